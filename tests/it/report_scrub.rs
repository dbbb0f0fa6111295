//! The time slider of `report.html` in headless Chromium: a small page of the test's own
//! loads the report in a frame, moves the slider (setting it and sending the `input` event a
//! user's drag sends) and presses the step button, and copies what the report then shows;
//! the tree at each instant must be exactly what `get --at` prints for that instant.
//!
//! Needs Chromium (`apt-get install -y chromium`); without one the test prints one line and
//! passes, unless `ROLLOUT_SIM_REQUIRE_BROWSER=1` makes a missing browser a failure;
//! `ROLLOUT_SIM_SKIP_BROWSER=1` skips it as it skips `tests/it/browser.rs`.
//! `ROLLOUT_SIM_CHROMIUM=/path` names another browser binary.

use crate::common::stdout_of as sim;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const LESSON: &str = "examples/lessons/01-basic-canary.yaml";
/// A browser that has not answered by then is stuck.
const TIMEOUT: Duration = Duration::from_secs(120);

fn chromium() -> Option<PathBuf> {
    if std::env::var("ROLLOUT_SIM_SKIP_BROWSER").as_deref() == Ok("1") {
        println!("skipped: ROLLOUT_SIM_SKIP_BROWSER=1, so the report's slider is not checked");
        return None;
    }
    if let Some(p) = std::env::var_os("ROLLOUT_SIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("ROLLOUT_SIM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "headless Chromium is needed: apt-get install -y chromium"
        );
        println!("skipped: no Chromium, so the report's slider is not checked in a browser");
    }
    found
}

/// The test's page: moves the report's slider to a third and two thirds of its range, then
/// presses ◀ once, and writes what the report showed each time into `#out` as JSON.
const DRIVER: &str = r##"<!DOCTYPE html><html><body>
<iframe id="f" src="out/report.html" width="1100" height="800"></iframe>
<pre id="out">not run</pre>
<script>
document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument, s = d.getElementById("moment-slider");
  var n = Number(s.max) + 1, seen = [];
  function look() {
    seen.push({
      index: Number(s.value),
      time: d.getElementById("moment-time").textContent,
      status: d.getElementById("moment-status").textContent,
      tree: d.getElementById("moment-tree").textContent,
      cursor: d.querySelector("#charts svg line.cursor").getAttribute("x1")
    });
  }
  [Math.floor(n / 3), Math.floor(2 * n / 3)].forEach(function (i) {
    s.value = String(i);
    s.dispatchEvent(new Event("input"));
    look();
  });
  d.getElementById("moment-prev").click();
  look();
  document.getElementById("out").textContent = JSON.stringify({
    frames: n, controlsShown: !d.getElementById("moment-controls").hidden, seen: seen
  });
});
</script></body></html>"##;

#[allow(
    clippy::disallowed_methods,
    reason = "a deadline for a headless browser that may hang; the wall clock only bounds the wait, it decides no result"
)]
fn browse(chromium: &Path, dir: &Path, url: &str) -> String {
    let mut child = Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox"])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args([
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// `00:01:05.250` as milliseconds.
fn millis(time: &str) -> u64 {
    let (hms, ms) = time.split_once('.').unwrap();
    let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + ms.parse::<u64>().unwrap()
}

/// The DOM's text of `#out`, unescaped.
fn out_json(dom: &str) -> serde_json::Value {
    let start = dom.find("<pre id=\"out\">").expect("driver output") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn the_slider_shows_the_get_tree_of_each_instant() {
    let Some(chromium) = chromium() else { return };
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    sim(&["run", LESSON, "--out", out.to_str().unwrap()]);
    let driver = dir.path().join("driver.html");
    std::fs::write(&driver, DRIVER).unwrap();
    let dom = browse(
        &chromium,
        dir.path(),
        &format!("file://{}", driver.display()),
    );
    let got = out_json(&dom);
    assert_eq!(got["controlsShown"], true);
    let seen = got["seen"].as_array().unwrap();
    assert_eq!(seen.len(), 3);
    let n = got["frames"].as_u64().unwrap();
    assert!(n > 10, "{n} moments");
    // ◀ went one change back.
    assert_eq!(
        seen[2]["index"].as_u64().unwrap() + 1,
        seen[1]["index"].as_u64().unwrap()
    );
    let mut trees = Vec::new();
    for s in seen {
        let time = s["time"].as_str().unwrap();
        let get = sim(&[
            "get",
            LESSON,
            "--at",
            &format!("{}ms", millis(time)),
            "--no-color",
        ]);
        let tree = s["tree"].as_str().unwrap();
        assert_eq!(tree.trim_end(), get.trim_end(), "tree at {time}");
        assert!(s["status"].as_str().unwrap().starts_with("waits for "));
        trees.push((
            time.to_string(),
            s["cursor"].as_str().unwrap().parse::<f64>().unwrap(),
        ));
    }
    // Two different instants, the cursor further right at the later one.
    assert!(millis(&trees[0].0) < millis(&trees[1].0));
    assert!(trees[0].1 < trees[1].1, "{trees:?}");
}
