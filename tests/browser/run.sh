#!/usr/bin/env bash
# Browser test of the web app against a running jingwu server.
# Needs JINGWU_URL, JINGWU_INSPECTOR_USER/PASSWORD and JINGWU_DISPATCHER_USER/PASSWORD;
# stats.spec.ts also needs JINGWU_ANALYST_USER/PASSWORD (roles analyst,investigator) and
# a data folder holding the demo records (jingwu gen + jingwu cases import); communities.spec.ts
# also needs JINGWU_CLERK_USER/PASSWORD (service_clerk), JINGWU_ADMIN_USER/PASSWORD (admin) and
# the smart communities loaded and run (jingwu communities import + run); custody.spec.ts also needs
# JINGWU_CUSTODY_USER/PASSWORD (custody_officer) and JINGWU_COMMANDER_USER/PASSWORD, and makes its own
# custody records from the imported cases. mobile.spec.ts needs JINGWU_PATROL_USER/PASSWORD (patrol_officer linked to a
# force officer), JINGWU_COMMANDER_USER/PASSWORD (makes the officer's car and shift when there are none),
# JINGWU_CLERK_USER/PASSWORD (closes a task under the phone's feet) and JINGWU_DISPATCHER_USER/PASSWORD (an
# assignment); its load measure goes to $JINGWU_MEASURE_OUT when set.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
  # Playwright's browsers are never downloaded: the test uses /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund
fi
exec npx playwright test "$@"
