"""The admin console's flows in a real browser (chromium, headless), against a real `serve`.

Each step does what the seed's admin does, then checks what the page shows and, where it
matters, what the server does next: a simulated call (`acctcodes call`, the fake Asterisk)
whose decision follows what the console changed, and the usage log and export after it.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

BIN = sys.argv[1]
SHOTS = os.environ.get("SCREENSHOTS")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Generous: a busy CI machine may be ten times slower than a laptop.
expect.set_options(timeout=30_000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args, env):
    return subprocess.run([BIN, *args], env=env, check=True, capture_output=True, text=True).stdout


def token(name, role, env, account=None):
    args = ["token", "create", "--name", name, "--role", role] + (["--account", account] if account else [])
    out = cli(*args, env=env)
    return re.search(r"act_[A-Za-z0-9_-]+", out).group(0)


def shot(page, name, full=True):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name + ".png"), full_page=full)


def call(env, agi, user, keys, dial="011442079460000", uniqueid=None, billsec=None, pbx=None):
    """A call through the fake Asterisk; with `billsec`, its hangup follows with that talk time."""
    ids = (["--uniqueid", uniqueid] if uniqueid else []) + (["--pbx", pbx] if pbx else [])
    out = cli("call", "--server", f"127.0.0.1:{agi}", "--user", user, "--dial", dial, "--keys", keys, *ids, env=env)
    if billsec is not None:
        cli("call", "--server", f"127.0.0.1:{agi}", "--route", "hangup", "--user", user, *ids, "--billsec", str(billsec), env=env)
    return re.search(r"^result: .*$", out, re.M).group(0)


def main():
    work = tempfile.mkdtemp()
    env = dict(os.environ, ACCTCODES_DB=os.path.join(work, "console.sqlite"))
    admin_key = token("Office manager", "account-admin", env, account="default")
    operator_key = token("Operator", "operator", env)
    billing_key = token("Billing", "billing", env, account="default")
    agi, http = free_port(), free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{agi}", "--http-listen", f"127.0.0.1:{http}"],
                              env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/console/signin", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(open(log.name).read())
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            run_flows(browser, base, env, agi, admin_key, operator_key, billing_key)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("console browser tests: all flows passed")


def sign_in(page, base, key):
    page.goto(base + "/console/")
    expect(page).to_have_url(re.compile(r"/console/signin$"))
    page.fill("input[name=token]", key)
    page.click("button:has-text('Sign in')")


def tab(page, name):
    page.click(f'nav a:text-is("{name}")')


def run_flows(browser, base, env, agi, admin_key, operator_key, billing_key):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    # No request the pages make on their own (style, script, icon) may fail.
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 and r.request.resource_type != "document" else None)

    # Sign-in: a wrong key is refused with a reason; the right one lands on Account Codes.
    sign_in(page, base, "act_0000000000_" + "x" * 43)
    expect(page.locator(".notice.error")).to_contain_text("not valid")
    sign_in(page, base, admin_key)
    expect(page).to_have_url(re.compile(r"/console/a/default/setup$"))

    # First use: code length (with its warning) and max retries, as the seed words them.
    expect(page.locator("body")).to_contain_text("This cannot be changed")
    expect(page.locator("body")).to_contain_text("The industry average is 3–5 attempts")
    page.select_option("#codeLength", "4")
    page.select_option("#maxRetries", "3")
    page.click("button:has-text('Save')")
    expect(page.locator(".notice.done")).to_contain_text("Account Codes is enabled")
    expect(page.locator("body")).to_contain_text("4 digits")
    # Validate-when-dialed stays off, with the reason, until the account has a code.
    expect(page.locator("#validateWhenDialed")).to_be_disabled()
    expect(page.locator("body")).to_contain_text("Add at least one account code")

    # Users come from the PBX side (CLI or API); the console manages their settings.
    for ext, name in [("1001", "Ann Lee"), ("1002", "Bob Ray"), ("1003", "Cy <script>alert(1)</script>")]:
        cli("user", "add", ext, "--name", name, env=env)

    # Codes: add one; an import with a bad line changes nothing and names the line; a good one applies.
    tab(page, "Codes")
    page.fill("#new-code", "1234")
    page.fill("#new-description", "Smith v. Jones")
    page.click("#add-code")
    expect(page.locator(".notice.done")).to_contain_text("Added")
    page.fill("#csv", "code,description,active\n5678,Acme merger,true\n12,too short,true\n9999,Estate of Doe,true\n")
    page.click("#import")
    expect(page.locator(".notice.error")).to_contain_text("line 3")
    expect(page.locator("table")).not_to_contain_text("5678")
    page.fill("#csv", "code,description,active\n5678,Acme merger,true\n9999,Estate of Doe,true\n")
    page.click("#import")
    expect(page.locator(".notice.done")).to_contain_text("Imported")
    expect(page.locator("table")).to_contain_text("Acme merger")
    page.fill("input[name=q]", "acme")
    page.click("button:has-text('Search')")
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "codes")

    # The account has codes now, but nothing checks them: the Codes page says so and offers the fix.
    expect(page.locator("#validation-offer")).to_contain_text("any 4 digits")
    # The code field follows the account: exactly 4 digits, and the server's words beside it.
    expect(page.locator("#new-code")).to_have_attribute("pattern", "[0-9]{4}")
    page.fill("#new-code", "12a")
    page.click("#add-code")
    assert page.eval_on_selector("#new-code", "e => !e.validity.valid"), "the browser took 12a for a 4-digit code"

    # Settings, as a first-time manager sets them: allow codes, require them for international
    # calls, validation left off. Save asks the seed's question; "No" leaves users without it.
    tab(page, "Account Codes")
    expect(page.locator("#validation-offer")).to_be_visible()
    expect(page.locator("#validateWhenDialed")).to_be_enabled()
    expect(page.locator("body")).to_contain_text("The US and Canada share +1")
    expect(page.locator("body")).to_contain_text("(411) and operator assistance (0)")
    expect(page.locator("body")).to_contain_text("1-900")
    page.check("#allowAccountCodes")
    page.check("#requires-international")
    page.select_option("#collection", "off")
    shot(page, "setup-settings")
    page.click("#save")
    expect(page.locator(".dialog")).to_contain_text("enable Account Codes for all users who don't have it yet")
    shot(page, "setup-save-question")
    page.click("#enable-no")
    expect(page.locator(".notice.done")).to_contain_text("still do not")
    # The call follows: 1001 does not have Account Codes, so no prompt (NOTREQUIRED).
    assert "NOTREQUIRED" in call(env, agi, "1001", "1234#"), "a user without account codes was prompted"

    # Save again and answer Yes: every user gets it. Validation is still off, so a made-up code
    # goes through and is billed: the Usage Log marks it, the Codes page still offers the fix.
    page.click("#save")
    page.click("#enable-yes")
    expect(page.locator(".notice.done")).to_contain_text("enabled for 3 user(s)")
    assert "ACCEPTED" in call(env, agi, "1002", "4242#", uniqueid="console.0"), "validation off: any 4 digits pass"
    tab(page, "Usage Log")
    expect(page.locator("#unlisted-warning")).to_be_visible()
    expect(page.locator("tr", has_text="4242").first).to_contain_text("not in list")
    tab(page, "Codes")
    page.click("#turn-on-validation")
    expect(page.locator(".notice.done")).to_contain_text("Validation is on")
    expect(page.locator("#validateWhenDialed")).to_be_checked()
    expect(page.locator("#validation-offer")).to_have_count(0)
    shot(page, "setup-validation-on")
    # Now the code that was let through is refused, and the real ones are accepted.
    assert "DENIED" in call(env, agi, "1002", "4242#4242#4242#"), "a code not in the list was accepted with validation on"
    assert "ACCEPTED" in call(env, agi, "1001", "1234#", uniqueid="console.1", billsec=125), "a valid code was not accepted"
    assert "ACCEPTED" in call(env, agi, "1003", "5678#", uniqueid="console.2", billsec=61, pbx="pbx-east")
    assert "DENIED" in call(env, agi, "1001", "1111#1111#1111#"), "three wrong codes did not deny the call"

    # A user's Settings tab: custom settings show what they override and the inherited value.
    tab(page, "Users")
    expect(page.locator("table")).to_contain_text("Cy <script>alert(1)</script>")  # shown as text, not run
    page.click("a:has-text('1002')")
    expect(page.locator("#allowAccountCodes")).to_contain_text("Inherit: On (from account)")
    # "Proceed after max retries" is the user's only while the account allows it (it does not).
    expect(page.locator("#proceedAfterMaxRetries")).to_have_count(0)
    page.select_option("#allowAccountCodes", "off")
    page.click("#save")
    expect(page.locator(".notice.done")).to_contain_text("Saved")
    expect(page.locator("#allowAccountCodes")).to_have_value("off")
    shot(page, "user-settings")
    assert "NOTREQUIRED" in call(env, agi, "1002", ""), "a user with codes turned off was prompted"

    # Test a call: the simulator shows the class, each setting's source and the decision.
    tab(page, "Test a call")
    page.fill("#test-user", "1002")
    page.fill("#test-number", "011442079460000")
    page.click("#test")
    expect(page.locator("#decision")).to_contain_text("international")
    expect(page.locator("#decision")).to_contain_text("user")
    shot(page, "test-a-call")

    # The usage log after those calls: the accepted call billed to 1234, and its export.
    tab(page, "Usage Log")
    totals = page.locator("section", has_text="Totals per code")
    # One call each, one billable minute each: the hangup's figure is bounded by the call's real
    # age (a second or so here), and each call rounds up to a whole minute.
    expect(totals.locator(".scroll tr", has_text="1234")).to_contain_text(re.compile(r"Smith v. Jones\s*1\s*1$"))
    expect(totals.locator(".scroll tr", has_text="5678")).to_contain_text(re.compile(r"Acme merger\s*1\s*1$"))
    expect(page.locator("table.bars meter").first).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    # The calls, newest first, with the tries and the reason: the wrong-code attempts are visible.
    calls = page.locator("section", has_text="Newest first")
    expect(calls.locator("thead")).to_contain_text("Tries")
    # A call that named its PBX: the PBX column appears, with the name on that call.
    expect(calls.locator("thead")).to_contain_text("PBX")
    expect(calls.locator("tbody tr", has_text="5678").first).to_contain_text("pbx-east")
    # The last call made (1002 with codes off) on top, the first one (1001 not enabled) at the bottom.
    expect(calls.locator("tbody tr").first).to_contain_text("codes-off")
    expect(calls.locator("tbody tr").last).to_contain_text("user-not-enabled")
    expect(calls.locator("tbody tr", has_text="max-retries").first).to_contain_text(re.compile(r"DENIED\s*3\s*max-retries"))
    shot(page, "usage-log")
    with page.expect_download() as download:
        page.click("#export")
    csv = open(download.value.path()).read()
    assert "1234" in csv and "ACCEPTED" in csv, "the export lacks the accepted call"
    assert csv.splitlines()[0].endswith(",pbx,corrected_code,correction_reason,transfer_to,transferred_at") and "pbx-east" in csv, "the export lacks the PBX"

    # Billing: the account's terms on Account Codes (a bad rate is refused beside its field), a
    # code's own on its page, and the report they make on the Usage Log, printable and as CSV.
    tab(page, "Account Codes")
    page.fill("#billingIncrement", "60")
    page.fill("#billingRate", "12.345")
    page.click("#save-billing")
    expect(page.locator("#billingRate-error")).to_contain_text("two decimals")
    expect(page.locator("#billingRate")).to_have_value("12.345")
    page.fill("#billingRate", "120")
    page.click("#save-billing")
    expect(page.locator(".notice.done")).to_contain_text("Billing terms saved")
    expect(page.locator("#billingRate")).to_have_value("120.00")
    page.goto(base + "/console/a/default/codes/5678")
    page.fill("#code-billingIncrement", "360")
    page.click("#save")
    expect(page.locator(".notice.done")).to_contain_text("Saved")
    expect(page.locator("#code-billingIncrement")).to_have_value("360")
    tab(page, "Usage Log")
    report = page.locator("#billing-report")
    # Each call connected a second or so: 60 s at the account's terms, 360 s at 5678's own.
    expect(report.locator("tr", has_text="Smith v. Jones")).to_contain_text(re.compile(r"1234\s*1\s*0\.02\s*2\.00"))
    expect(report.locator("tr", has_text="Acme merger")).to_contain_text(re.compile(r"5678\s*1\s*0\.10\s*12\.00"))
    with page.expect_download() as download:
        page.click("#report-csv")
    lines = open(download.value.path()).read().splitlines()
    assert lines[0] == "code,description,listed,calls,billsec,billed_seconds,billed_hours,increment,minimum,rate,amount", lines[0]
    assert any(l.startswith("5678,Acme merger,1,1,") and l.endswith(",0.10,360,0,120.00,12.00") for l in lines), lines
    page.click("#printable-report")
    expect(page.locator("h1")).to_have_text("Billing report")
    expect(page.locator("section", has_text="Per code")).to_contain_text("360 s")
    expect(page.locator("section", has_text="Per client").locator("tr", has_text="Total")).to_contain_text("14.00")
    shot(page, "billing-report")
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#print")).to_be_hidden()
    page.emulate_media(media="screen")

    # A call's code corrected after the call: refused with the reason beside the field, then saved;
    # the list marks it, the report bills it to the new code, and "Bill as keyed" puts it back.
    tab(page, "Usage Log")
    page.locator("section", has_text="Newest first").locator("tbody tr", has_text="1234").first.locator("a").click()
    expect(page.locator("h1")).to_have_text("Call console.1")
    page.fill("#correct-code", "99")
    page.fill("#correct-reason", "keyed for the wrong matter")
    page.click("#correct")
    expect(page.locator("#code-error")).to_contain_text("4 digits")
    page.fill("#correct-code", "5678")
    page.fill("#correct-reason", "keyed for the wrong matter")
    page.click("#correct")
    expect(page.locator(".notice.done")).to_contain_text("the call bills as shown")
    expect(page.locator("#correction")).to_contain_text("5678")
    expect(page.locator("#correction")).to_contain_text("keyed for the wrong matter")
    shot(page, "call-correction")
    tab(page, "Usage Log")
    expect(page.locator("section", has_text="Newest first").locator("tbody tr", has_text="corrected")).to_have_count(1)
    expect(page.locator("#billing-report").locator("tr", has_text="Acme merger")).to_contain_text(re.compile(r"1234, 5678|5678\s*2"))
    page.locator("section", has_text="Newest first").locator("tbody tr", has_text="corrected").first.locator("a").click()
    page.fill("#correct-reason", "it was Smith after all")
    page.click("#undo-correction")
    expect(page.locator("#correction")).to_have_count(0)
    tab(page, "Audit log")
    expect(page.locator("table")).to_contain_text("usage.correct")

    # A transfer: the outside leg of the 5678 call outlived the caller's, talking to 2001 (what the
    # dialplan's far-end handler reports): the call bills it and says so.
    cli("call", "--server", f"127.0.0.1:{agi}", "--route", "hangup", "--user", "1003", "--uniqueid", "console.2",
        "--pbx", "pbx-east", "--billsec", "30", "--transferred-to", "2001", env=env)
    tab(page, "Usage Log")
    row = page.locator("section", has_text="Newest first").locator("tbody tr", has_text="transferred")
    expect(row).to_have_count(1)
    row.locator("a").click()
    expect(page.locator("table")).to_contain_text(re.compile(r"Transferred to\s*2001 at"))

    assert not missing, f"the pages asked for what is not there: {missing}"

    # A change needs the page's CSRF token: the same post without it is refused.
    response = page.request.post(base + "/console/a/default/codes", form={"code": "4321", "description": "forged"})
    assert response.status == 403, f"a post without the CSRF token got {response.status}"

    # The audit log names who changed what.
    tab(page, "Audit log")
    expect(page.locator("table")).to_contain_text("account.save")
    expect(page.locator("table")).to_contain_text("Office manager")

    # An error is a page of the console, with a way on: an unknown code.
    response = page.goto(base + "/console/a/default/codes/4444")
    assert response.status == 404, f"an unknown code's page answered {response.status}"
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("#go-home")).to_be_visible()

    # Phone width: the same pages, nothing cut off; a wide table says it scrolls.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(phone, base, admin_key)
    for path in ["setup", "usage"]:
        phone.goto(base + "/console/a/default/" + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the {path} page is {width}px wide on a 390px screen"
    expect(phone.locator(".scroll-hint").first).to_be_visible()
    shot(phone, "phone-usage")
    phone.goto(base + "/console/a/default/setup")
    expect(phone.locator("#save")).to_be_visible()
    shot(phone, "phone-setup")
    phone.close()

    # A billing user: usage and codes, read-only; nothing else opens.
    billing = browser.new_page()
    sign_in(billing, base, billing_key)
    expect(billing).to_have_url(re.compile(r"/console/a/default/usage$"))
    expect(billing.locator("nav a")).to_have_count(2)
    billing.goto(base + "/console/a/default/codes")
    expect(billing.locator("table")).to_contain_text("1234")
    expect(billing.locator("#add-code")).to_have_count(0)
    expect(billing.locator("#import")).to_have_count(0)
    # The billing report is what a billing user is for; a call's page shows no correction form.
    billing.goto(base + "/console/a/default/usage/report")
    expect(billing.locator("section", has_text="Per client")).to_contain_text("14.00")
    billing.goto(base + "/console/a/default/usage")
    billing.locator("section", has_text="Newest first").locator("tbody tr a").first.click()
    expect(billing.locator("h1")).to_contain_text("Call ")
    expect(billing.locator("#correct")).to_have_count(0)
    response = billing.goto(base + "/console/a/default/setup")
    assert response.status == 403, f"billing opened the setup page ({response.status})"
    expect(billing.locator("h1")).to_have_text("Not allowed")
    expect(billing.locator(".notice.error")).to_contain_text("may not change settings")
    shot(billing, "error-not-allowed")
    response = billing.goto(base + "/console/a/default/users")
    assert response.status == 403, f"billing opened the users page ({response.status})"
    billing.close()

    # The operator sees every account and can sign out.
    operator = browser.new_page()
    sign_in(operator, base, operator_key)
    expect(operator.locator("table")).to_contain_text("default")
    operator.click("button:has-text('Sign out')")
    expect(operator).to_have_url(re.compile(r"/console/signin$"))
    operator.goto(base + "/console/a/default/setup")
    expect(operator).to_have_url(re.compile(r"/console/signin$"))
    operator.close()


if __name__ == "__main__":
    main()
