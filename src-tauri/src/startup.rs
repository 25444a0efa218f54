//! The start-up time as a user meets it, for `scripts/bench-desktop.sh`: with
//! `CARENET_BENCH_STARTUP=1` the shell prints one line when the page reports its first screen
//! (the unlock screen) drawn. Without the switch the report is ignored. The line holds a number of
//! milliseconds and nothing else: no path, no user content.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// The line the bench waits for; the number after it is milliseconds since `main` began.
pub const LINE_PREFIX: &str = "carenet-startup: first screen drawn after ms=";

/// Notes when `main` began; called first thing in `main`.
pub fn begin() {
    let _ = STARTED.set(Instant::now());
}

fn enabled() -> bool {
    std::env::var("CARENET_BENCH_STARTUP").as_deref() == Ok("1")
}

/// The line to print for the first report, when the bench asked for one; `None` afterwards.
fn first_report(enabled: bool, started: Option<&Instant>) -> Option<String> {
    let started = started?;
    if !enabled || REPORTED.swap(true, Ordering::SeqCst) {
        return None;
    }
    Some(format!("{LINE_PREFIX}{}", started.elapsed().as_millis()))
}

/// Called by the page once its first screen has been painted.
#[tauri::command]
pub fn startup_drawn() {
    if let Some(line) = first_report(enabled(), STARTED.get()) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_once_and_only_when_asked() {
        let t = Instant::now();
        assert_eq!(first_report(false, Some(&t)), None, "no line without the switch");
        assert_eq!(first_report(true, None), None, "no line before main began");
        let line = first_report(true, Some(&t)).expect("the first report prints a line");
        let ms = line.strip_prefix(LINE_PREFIX).expect("the line starts with the prefix");
        assert!(ms.parse::<u128>().is_ok(), "the rest is a number of milliseconds: {line}");
        assert_eq!(first_report(true, Some(&t)), None, "a second report prints nothing");
    }
}
