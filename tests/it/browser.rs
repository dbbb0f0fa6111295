//! `report.html` and the SVG charts in a real browser: headless Chromium loads the files that
//! `run --out` wrote for a scenario with analysis and traffic, and the test checks that the
//! page's DOM has every section, table and inline chart, that each SVG file parses as SVG, that
//! screenshots and print-to-PDF work, and that the browser logged nothing about the page.
//!
//! Needs Chromium: Debian's `chromium` package (`apt-get update && apt-get install -y
//! chromium`; `.ci/run` installs it when missing). `ROLLOUT_SIM_CHROMIUM=/path/to/binary`
//! picks another build. When no browser is found the tests are skipped, with one line on the
//! terminal saying so, because a fresh clone on a machine without a browser must still pass
//! `cargo test`. `ROLLOUT_SIM_REQUIRE_BROWSER=1` (set by `.ci/run`) makes a missing browser a
//! failure instead, so CI cannot skip them silently; `ROLLOUT_SIM_SKIP_BROWSER=1` skips them
//! even when a browser is installed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SKIP: &str = "ROLLOUT_SIM_SKIP_BROWSER";
const REQUIRE: &str = "ROLLOUT_SIM_REQUIRE_BROWSER";
const BINARY: &str = "ROLLOUT_SIM_CHROMIUM";
/// A browser that has not answered by then is stuck.
const TIMEOUT: Duration = Duration::from_secs(120);
/// How to get a browser, for the skip line and the failure.
const INSTALL: &str = "Debian/Ubuntu: `apt-get update && apt-get install -y chromium`, or name \
                       the binary with ROLLOUT_SIM_CHROMIUM=/path";

fn env_is_1(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// Says once per test binary, on the terminal, why the browser tests did not run.
fn skip(why: &str) -> Option<PathBuf> {
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Straight to the stderr handle: the test harness captures `eprintln!`, and a skip
        // nobody sees is a silent pass.
        let _ = writeln!(
            std::io::stderr(),
            "tests/it/browser.rs: report.html not checked in a browser: {why}"
        );
    });
    None
}

/// The first Chromium-like binary on `PATH`.
fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The browser to use, `None` when the tests are skipped.
fn chromium() -> Option<PathBuf> {
    let required = env_is_1(REQUIRE);
    if env_is_1(SKIP) {
        assert!(!required, "{SKIP}=1 and {REQUIRE}=1 contradict each other");
        return skip(&format!("skipped because {SKIP}=1"));
    }
    if let Some(p) = std::env::var_os(BINARY) {
        return Some(PathBuf::from(p));
    }
    match find_on_path() {
        Some(found) => Some(found),
        None if required => {
            panic!("{REQUIRE}=1 but no headless Chromium was found on PATH: install it ({INSTALL})")
        }
        None => skip(&format!(
            "skipped, no Chromium on PATH ({INSTALL}); {REQUIRE}=1 makes this a failure"
        )),
    }
}

/// Runs the demo-with-analysis scenario with `--out` into a fresh directory.
fn artifacts() -> TempDir {
    let dir = TempDir::new().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("analysis-bad-canary-aborted.yaml");
    let status = assert_cmd::Command::cargo_bin("rollout-sim")
        .unwrap()
        .args(["run", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    dir
}

/// What one headless run printed.
struct Browsed {
    stdout: String,
    stderr: String,
}

impl Browsed {
    /// Log lines about the page itself: console messages (script errors are logged that way)
    /// and anything naming the file. Chromium's complaints about the machine (no D-Bus, no
    /// GPU) are not about the page and are ignored.
    fn page_errors(&self, url: &str) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains(url))
            .collect()
    }
}

/// Runs headless Chromium on `url` with `args`, a private profile, and a time limit.
#[allow(
    clippy::disallowed_methods,
    reason = "a deadline for a headless browser that may hang; the wall clock only bounds the wait, it decides no result"
)]
fn browse(chromium: &Path, profile: &Path, args: &[String], url: &str) -> Browsed {
    let mut child = Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    // Read both pipes on threads so a chatty browser never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} did not finish {url} within {TIMEOUT:?}",
                chromium.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let b = Browsed {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(status.success(), "chromium failed on {url}: {}", b.stderr);
    b
}

fn url_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = artifacts();
    let out = dir.path().join("out");
    let profile = dir.path().join("profile");
    let url = url_of(&out.join("report.html"));

    let dom = browse(&chromium, &profile, &["--dump-dom".into()], &url);
    assert_eq!(dom.page_errors(&url), Vec::<&str>::new());
    let html = &dom.stdout;
    for needle in [
        "<h1>analysis-bad-canary-aborted</h1>",
        "<h2>Result</h2>",
        "<h2>Charts</h2>",
        "<h2>Steps</h2>",
        "<h2>Analysis runs</h2>",
        "<h2>Timeline</h2>",
        "<table class=\"steps\">",
        "<table class=\"measurements\">",
        "<span class=\"badge bad\">Failed</span>",
        "<pre class=\"timeline\">",
    ] {
        assert!(html.contains(needle), "the rendered DOM lacks {needle}");
    }
    // Four charts, parsed as SVG elements with their text.
    assert_eq!(html.matches("<svg ").count(), 4, "inline charts");
    for stem in ["weight", "pods", "traffic", "analysis"] {
        assert!(html.contains(&format!("<figure id=\"chart-{stem}\">")));
    }
    assert!(html.matches("<text ").count() > 100);

    let shot = dir.path().join("report.png");
    let args = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1100,3000".into(),
    ];
    let b = browse(&chromium, &profile, &args, &url);
    assert_eq!(b.page_errors(&url), Vec::<&str>::new());
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000);

    // The print stylesheet: the page prints to PDF.
    let pdf = dir.path().join("report.pdf");
    let args = [
        format!("--print-to-pdf={}", pdf.display()),
        "--no-pdf-header-footer".into(),
    ];
    browse(&chromium, &profile, &args, &url);
    let bytes = std::fs::read(&pdf).expect("PDF written");
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 20_000);
}

#[test]
fn every_svg_chart_parses_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = artifacts();
    let out = dir.path().join("out");
    let profile = dir.path().join("profile");
    for stem in ["weight", "pods", "traffic", "analysis"] {
        let url = url_of(&out.join(format!("{stem}.svg")));
        let b = browse(&chromium, &profile, &["--dump-dom".into()], &url);
        assert_eq!(b.page_errors(&url), Vec::<&str>::new());
        // A malformed SVG file shows Chromium's XML error page instead of the drawing.
        assert!(
            !b.stdout.contains("parsererror"),
            "{stem}.svg: {}",
            b.stdout
        );
        assert!(b.stdout.contains("<svg "), "{stem}.svg not rendered as SVG");
    }
}
