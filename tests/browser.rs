//! `report.html` and the SVG charts in a real browser: headless Chromium loads the files that
//! `run --out` wrote for a scenario with analysis and traffic, and the test checks that the
//! page's DOM has every section, table and inline chart, that each SVG file parses as SVG, that
//! screenshots and print-to-PDF work, and that the browser logged nothing about the page.
//!
//! Needs Chromium: Debian's `chromium` package (`apt-get update && apt-get install -y
//! chromium`; `.ci/run` installs it when missing). `ROLLOUT_SIM_CHROMIUM=/path/to/binary`
//! picks another build. `ROLLOUT_SIM_SKIP_BROWSER=1` skips these tests with a message; without
//! it a missing browser fails them, saying how to install one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SKIP: &str = "ROLLOUT_SIM_SKIP_BROWSER";
const BINARY: &str = "ROLLOUT_SIM_CHROMIUM";
/// A browser that has not answered by then is stuck.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The browser to use, `None` when the tests are skipped.
fn chromium() -> Option<PathBuf> {
    if std::env::var(SKIP).is_ok_and(|v| v == "1") {
        println!("skipped: {SKIP}=1 is set, so report.html is not checked in a browser");
        return None;
    }
    if let Some(p) = std::env::var_os(BINARY) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    panic!(
        "headless Chromium is needed to check report.html: install it (Debian/Ubuntu: \
         `apt-get update && apt-get install -y chromium`), or name the binary with \
         {BINARY}=/path, or set {SKIP}=1 to skip this test"
    );
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
