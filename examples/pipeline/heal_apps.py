#!/usr/bin/env python3
"""Queue generated apps for repaird, wait for each job to end, and read how it ended.

    python3 heal_apps.py APP_DIR [APP_DIR ...]

repaird must be running against the same store (REPAIR_STORE, or the default). Nothing here
parses text: `enqueue --json` gives the job id, `status JOB_ID --json` its state, and each app's
.repair/result.json how its job ended.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPAIRCTL = os.environ.get("REPAIRCTL", "repairctl")
FINAL_STATES = {"healed", "not_healed", "failed"}


def repairctl(*arguments):
    """Runs `repairctl ARGUMENTS --json` and returns what it printed, decoded."""
    done = subprocess.run([REPAIRCTL, *arguments, "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"repairctl {' '.join(arguments)} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def heal(apps, priority="normal", timeout=900, poll=1.0):
    """Enqueues every app, waits until each job has ended, and returns {job id: result}."""
    jobs = {}
    for app in apps:
        job = repairctl("enqueue", str(app), "--priority", priority)
        jobs[job["job_id"]] = Path(job["app"])
    results = {}
    deadline = time.monotonic() + timeout
    while len(results) < len(jobs):
        for job_id, app in jobs.items():
            if job_id not in results and repairctl("status", str(job_id))["state"] in FINAL_STATES:
                # Written before the job is seen to end; its job_id tells it from an older run's.
                result = json.loads((app / ".repair" / "result.json").read_text())
                assert result["job_id"] == job_id, result
                results[job_id] = result
        if len(results) < len(jobs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"jobs still running after {timeout} s: {sorted(set(jobs) - set(results))}")
            time.sleep(poll)
    return results


if __name__ == "__main__":
    for job_id, result in sorted(heal(sys.argv[1:]).items()):
        print(json.dumps({
            "job_id": job_id,
            "app": result["app"],
            "state": result["state"],
            "pass_rate": [result["initial_pass_rate"], result["final_pass_rate"]],
            "groups_left": result["groups_left"],
            "run_id": result["run_id"],
        }))
