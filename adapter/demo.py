"""``coachbridge demo``: the tool and a demo LMS, registered with each other, on this machine.

The tool answers on ``localhost`` and the LMS on ``127.0.0.1``: two different sites, so
the iframe launch meets the same third-party-cookie rules as in a real LMS.
"""
from __future__ import annotations

import time

from adapter.config import Settings
from adapter.demo_lms import DemoLMS
from adapter.demo_seed import seed_demo_records
from adapter.local_server import ServerThread
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import components, create_app


def register_demo_lms(app, lms: DemoLMS) -> int:
    with app.app_context():
        return register_platform(components().engine, PlatformSpec(
            issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_login_url,
            key_set_url=lms.key_set_url, auth_token_url=lms.token_url, name="Demo LMS",
            deployment_ids=(lms.deployment_id,)))


def run_demo(settings: Settings, tool_port: int = 8000, lms_port: int = 8001) -> None:
    tool_url, lms_url = f"http://localhost:{tool_port}", f"http://127.0.0.1:{lms_port}"
    app = create_app(settings)
    lms = DemoLMS(lms_url=lms_url, tool_url=tool_url)
    platform_id = register_demo_lms(app, lms)
    with app.app_context():
        seed_demo_records(components().engine, platform_id, lms, components().role_map)
    tool = ServerThread(app, host="localhost", port=tool_port).start()
    platform = ServerThread(lms.create_app(), host="127.0.0.1", port=lms_port).start()
    print(f"coachbridge demo\n  demo LMS (launch as …): {lms_url}/\n  tool:                   {tool_url}/\n"
          f"  database:               {settings.database_url}\nPress Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        tool.stop()
        platform.stop()
