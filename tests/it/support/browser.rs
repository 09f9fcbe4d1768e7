//! A real browser for the tests: headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini, plus the axe-core audit.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian packages
//! `chromium-driver`, `chromium`) and, for the audit, `axe.min.js` from the
//! npm package `axe-core` — `tests/run` installs all of them. The paths can be
//! overridden with `CHROMEDRIVER`, `CHROMIUM` and `AXE_JS`.
//!
//! When a tool is missing the browser tests fail if `CI` is set, and
//! otherwise print a note and pass, so that `cargo test` works on a machine
//! without Chromium.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client as WebDriver, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use super::accepts_connections;

/// How long a single wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// The installed browser tools.
pub struct Tools {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
    /// `axe.min.js`, when installed.
    pub axe: Option<PathBuf>,
}

fn env_path(var: &str, default: impl Into<PathBuf>) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into())
}

/// Fails (with `CI` set) or prints a note and returns `None`.
fn missing(test: &str, what: &str) -> Option<Tools> {
    let msg = format!(
        "{what} — install it with `tests/run` (Debian: apt-get install chromium \
         chromium-driver; npm ci for axe-core)"
    );
    super::cannot_run(&format!("browser test {test}"), &msg);
    None
}

/// The tools, or `None` (after a note) when the browser tests cannot run
/// here. `axe`: whether the test needs axe-core too.
pub fn tools(test: &str, axe: bool) -> Option<Tools> {
    let chromedriver = env_path("CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = env_path("CHROMIUM", "/usr/bin/chromium");
    if !chromedriver.is_file() {
        return missing(
            test,
            &format!("chromedriver not found at {}", chromedriver.display()),
        );
    }
    if !chromium.is_file() {
        return missing(
            test,
            &format!("Chromium not found at {}", chromium.display()),
        );
    }
    let axe_path = env_path(
        "AXE_JS",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
    );
    let axe_found = axe_path.is_file().then_some(axe_path.clone());
    if axe && axe_found.is_none() {
        return missing(
            test,
            &format!("axe-core not found at {}", axe_path.display()),
        );
    }
    Some(Tools {
        chromedriver,
        chromium,
        axe: axe_found,
    })
}

/// chromedriver as a child process in its own process group; the group
/// (chromedriver and the Chromium it started) is killed on drop.
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The process group has the id of its leader, chromedriver.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium with a fresh profile, pointed at one test server.
pub struct Browser {
    pub wd: WebDriver,
    base: String,
    axe_source: Option<String>,
    // Dropped after `wd`: the profile outlives the browser using it.
    _driver: Driver,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver and a browser session for the server at `base`
    /// (`http://127.0.0.1:PORT`).
    pub async fn start(tools: &Tools, base: &str) -> Browser {
        use std::os::unix::process::CommandExt;

        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let driver = Driver { child };
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        super::wait_for("chromedriver to listen", WAIT, || async move {
            accepts_connections(addr).await.then_some(())
        })
        .await;

        let profile = tempfile::Builder::new()
            .prefix("mv-chromium-")
            .tempdir()
            .expect("profile directory");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": tools.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    "--window-size=1280,900",
                    "--lang=de-DE",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let wd = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
        let axe_source = tools.axe.as_ref().map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
        });
        Browser {
            wd,
            base: base.trim_end_matches('/').to_owned(),
            axe_source,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Ends the session (Chromium quits); the driver is killed on drop.
    pub async fn close(self) {
        let _ = self.wd.clone().close().await;
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// Loads `path` and waits until the page has loaded.
    pub async fn goto(&self, path: &str) {
        let url = self.url(path);
        self.wd
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// Path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.wd.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.wd
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The visible text of `<body>`, whitespace collapsed.
    pub async fn text(&self) -> String {
        let v = self.js("return document.body.innerText;", vec![]).await;
        v.as_str()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        let el = match self.wd.find(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => panic!("no {css} on {}: {e}", self.path_now().await),
        };
        el.text().await.expect("element text").trim().to_owned()
    }

    async fn path_now(&self) -> String {
        self.wd
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Polls `check` (a script returning a truthy value when done) every
    /// 50 ms for at most `timeout`; returns the value.
    pub async fn wait_js(&self, what: &str, timeout: Duration, check: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            // Errors while a new page loads are expected: try again.
            if let Ok(v) = self.wd.execute(check, vec![]).await {
                let done = match &v {
                    Value::Null => false,
                    Value::Bool(b) => *b,
                    Value::String(s) => !s.is_empty(),
                    _ => true,
                };
                if done {
                    return v;
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what} on {}",
                    self.path_now().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The id of the form control whose `<label>` reads `label` (the
    /// required marker `*` not counted).
    pub async fn id_for_label(&self, label: &str) -> String {
        let v = self
            .js(
                r#"
                const want = arguments[0];
                for (const l of document.querySelectorAll('label')) {
                    const c = l.cloneNode(true);
                    c.querySelectorAll('.req').forEach((e) => e.remove());
                    const text = c.textContent.replace(/\s+/g, ' ').trim();
                    if (text === want && l.htmlFor) { return l.htmlFor; }
                }
                return null;
                "#,
                vec![json!(label)],
            )
            .await;
        match v.as_str() {
            Some(id) => id.to_owned(),
            None => panic!("no field labelled {label:?} on {}", self.path_now().await),
        }
    }

    async fn by_id(&self, id: &str) -> fantoccini::elements::Element {
        self.wd
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no element #{id}: {e}"))
    }

    /// Types `value` into the field labelled `label` (clearing it first).
    pub async fn type_into(&self, label: &str, value: &str) {
        let id = self.id_for_label(label).await;
        let el = self.by_id(&id).await;
        el.clear().await.expect("clear field");
        el.send_keys(value).await.expect("type");
    }

    /// Sets the value of the field labelled `label` by script (date inputs,
    /// whose typing depends on the browser's locale).
    pub async fn set_value(&self, label: &str, value: &str) {
        let id = self.id_for_label(label).await;
        self.js(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await;
    }

    /// Chooses the option with the visible text `option` in the select
    /// labelled `label`, as a user would (the page's scripts see the change).
    pub async fn select(&self, label: &str, option: &str) {
        let id = self.id_for_label(label).await;
        let el = self.by_id(&id).await;
        el.select_by_label(option)
            .await
            .unwrap_or_else(|e| panic!("no option {option:?} in {label:?}: {e}"));
    }

    /// Chooses the file `path` in the file input labelled `label`.
    pub async fn attach(&self, label: &str, path: &std::path::Path) {
        let id = self.id_for_label(label).await;
        let el = self.by_id(&id).await;
        el.send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("cannot choose {}: {e}", path.display()));
    }

    /// Ticks the checkbox labelled `label`.
    pub async fn check(&self, label: &str) {
        let id = self.id_for_label(label).await;
        let el = self.by_id(&id).await;
        if !el.is_selected().await.expect("checkbox state") {
            el.click().await.expect("tick");
        }
    }

    /// The button with the text `text`.
    pub async fn button(&self, text: &str) -> fantoccini::elements::Element {
        let xpath = format!("//button[normalize-space(.)='{text}']");
        match self.wd.find(Locator::XPath(&xpath)).await {
            Ok(el) => el,
            Err(e) => panic!("no button {text:?} on {}: {e}", self.path_now().await),
        }
    }

    /// Clicks the button `text` and waits until the next page has loaded.
    pub async fn press(&self, text: &str) {
        let button = self.button(text).await;
        self.navigating(async move {
            button.click().await.expect("click");
        })
        .await;
    }

    /// Runs `action`, then waits until a new document has loaded.
    pub async fn navigating(&self, action: impl std::future::Future<Output = ()>) {
        self.js("window.__mvOld = true;", vec![]).await;
        action.await;
        self.wait_js(
            "the next page",
            WAIT,
            "return window.__mvOld === undefined && document.readyState === 'complete';",
        )
        .await;
    }

    /// Presses and releases `key` on the keyboard (goes to the focused
    /// element, like a person typing).
    pub async fn key(&self, key: fantoccini::key::Key) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let value: char = key.into();
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.wd
            .perform_actions(actions)
            .await
            .expect("keyboard input");
    }

    /// Whether the page is wider than the window (it would need horizontal
    /// scrolling, WCAG 1.4.10 Reflow): the widths and the widest elements.
    pub async fn horizontal_overflow(&self) -> Option<String> {
        let found = self
            .js(
                r#"
                const width = window.innerWidth;
                if (document.documentElement.scrollWidth <= width) { return null; }
                const wide = Array.from(document.querySelectorAll('body *'))
                    .filter((e) => e.getBoundingClientRect().right > width + 1)
                    .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                        + (e.className ? '.' + String(e.className).replace(/\s+/g, '.') : '')
                        + ' ' + JSON.stringify((e.textContent || '').trim().slice(0, 40)));
                return `scrollWidth ${document.documentElement.scrollWidth} > ${width}: `
                    + wide.slice(-5).join(', ');
                "#,
                vec![],
            )
            .await;
        found.as_str().map(str::to_owned)
    }

    /// Switches off the browser's own form validation, so that a submit
    /// reaches the server's validation.
    pub async fn no_validate(&self) {
        self.js(
            "document.querySelectorAll('form').forEach((f) => { f.noValidate = true; });",
            vec![],
        )
        .await;
    }

    /// Password step through the login page, typed like a person.
    pub async fn login_password(&self, id: &str, password: &str) {
        self.goto("/login").await;
        self.type_into("Nutzerkennung oder Identifikationsnummer/PNR", id)
            .await;
        self.type_into("Passwort", password).await;
        self.press("Anmelden").await;
    }

    /// Types `code` into "TAN" and presses "Bestätigen".
    pub async fn submit_tan(&self, code: &str) {
        self.type_into("TAN", code).await;
        self.press("Bestätigen").await;
    }

    /// "Abmelden" from the user menu.
    pub async fn logout(&self) {
        let summary = self
            .wd
            .find(Locator::Css(".user-menu summary"))
            .await
            .expect("user menu");
        summary.click().await.expect("open the user menu");
        self.press("Abmelden").await;
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and
    /// returns one line per violation.
    pub async fn axe(&self) -> Vec<String> {
        let Some(source) = &self.axe_source else {
            panic!("axe-core is not available (AXE_JS)");
        };
        let loaded = self
            .js("return typeof window.axe === 'object';", vec![])
            .await;
        if loaded != Value::Bool(true) {
            self.js(source, vec![]).await;
        }
        let result = self
            .wd
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                axe.run(document, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                    resultTypes: ['violations'],
                }).then(
                    (r) => done(r.violations.map((v) =>
                        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s), first: `
                        + JSON.stringify(v.nodes[0] && v.nodes[0].target)
                        + (v.nodes[0] && v.nodes[0].failureSummary
                            ? ' — ' + v.nodes[0].failureSummary.replace(/\s+/g, ' ')
                            : ''))),
                    (e) => done(['axe failed: ' + e]),
                );
                "#,
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("axe.run failed: {e}"));
        match result {
            Value::Array(items) => items
                .into_iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect(),
            other => vec![format!("unexpected axe result: {other}")],
        }
    }
}

/// Collects the audit results of several pages and fails once at the end,
/// listing every violation of every page.
#[derive(Default)]
pub struct Audit {
    findings: Vec<String>,
    pages: usize,
    counters: usize,
}

impl Audit {
    /// Audits the page the browser shows now, named `name` in the report.
    pub async fn page(&mut self, browser: &Browser, name: &str) {
        self.pages += 1;
        let path = browser.path().await;
        for v in browser.axe().await {
            self.findings.push(format!("{name} ({path}): {v}"));
        }
        self.counters += check_counters(browser, name, &mut self.findings).await;
    }

    /// Loads `path` and audits it.
    pub async fn visit(&mut self, browser: &Browser, path: &str, name: &str) {
        browser.goto(path).await;
        self.page(browser, name).await;
    }

    #[track_caller]
    pub fn assert_clean(&self) {
        if self.counters == 0 {
            eprintln!(
                "note: none of the {} audited pages has a character counter \
                 (textarea[data-counter]); nothing to check there",
                self.pages
            );
        }
        assert!(
            self.findings.is_empty(),
            "{} accessibility violation(s) on {} page(s):\n{}",
            self.findings.len(),
            self.pages,
            self.findings.join("\n")
        );
    }
}

/// Character counters (`textarea[data-counter]`, see assets/session.js):
/// typing updates the counter to "count / maxlength". Records a finding per
/// counter that does not follow; returns how many counters were checked.
async fn check_counters(browser: &Browser, name: &str, findings: &mut Vec<String>) -> usize {
    let ids = browser
        .js(
            "return Array.from(document.querySelectorAll('textarea[data-counter]'))\
             .filter((t) => t.id && !t.disabled && !t.readOnly).map((t) => t.id);",
            vec![],
        )
        .await;
    let ids: Vec<String> = ids
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let checked = ids.len();
    for id in ids {
        let area = browser.by_id(&id).await;
        let before = area.prop("value").await.ok().flatten().unwrap_or_default();
        area.send_keys("Zähler")
            .await
            .expect("type into the textarea");
        let state = browser
            .js(
                "const t = document.getElementById(arguments[0]);\
                 const out = document.getElementById(t.getAttribute('data-counter'));\
                 return [t.value.length, parseInt(t.getAttribute('maxlength'), 10) || 0,\
                         out ? out.textContent.trim() : null];",
                vec![json!(id)],
            )
            .await;
        let len = state[0].as_u64().unwrap_or(0);
        let max = state[1].as_u64().unwrap_or(0);
        let shown = state[2].as_str().map(str::to_owned);
        let want = if max > 0 {
            format!("{len} / {max}")
        } else {
            len.to_string()
        };
        if shown.as_deref() != Some(want.as_str()) {
            findings.push(format!(
                "{name}: the counter of #{id} shows {shown:?}, expected {want:?}"
            ));
        }
        // Restore the text so that the page can still be used.
        browser
            .js(
                "const t = document.getElementById(arguments[0]); t.value = arguments[1];\
                 t.dispatchEvent(new Event('input'));",
                vec![json!(id), json!(before)],
            )
            .await;
    }
    checked
}

/// A loopback port that was free a moment ago, for chromedriver (another
/// process, which must bind it itself). The SMTP sink holds its port
/// instead (`SmtpPort`); here a clash shows as a failed session start.
fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free port: {e}"),
    }
}
