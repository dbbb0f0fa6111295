//! Virtual time: instants and durations in milliseconds since the scenario started, and the
//! duration syntax shared by scenarios and Argo manifests (`500ms`, `30s`, `1h30m`, bare seconds).

use std::fmt;
use std::ops::{Add, Sub};

/// An instant of virtual time, in milliseconds since the scenario started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A length of virtual time, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The instant the scenario starts.
    pub const ZERO: SimTime = SimTime(0);

    /// The instant `s` seconds after the start (saturating, so a huge figure cannot wrap).
    pub fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(1000))
    }

    /// Milliseconds since the start: the unit every comparison and the journal use.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds as a float, the form `events.jsonl` uses for `t`.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Kubernetes persists timestamps as RFC 3339 with whole seconds, so every time the
    /// controller stores (pause start, condition times, deadlines) loses its milliseconds.
    pub fn truncate_to_second(self) -> SimTime {
        SimTime(self.0 - self.0 % 1000)
    }

    /// The time from `other` to `self`, zero when `other` is later.
    pub fn saturating_sub(self, other: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl SimDuration {
    /// No time at all: a pause of `0s`, an immediate delay.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `s` seconds (saturating, so a huge figure cannot wrap).
    pub fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(1000))
    }

    /// A duration of `ms` milliseconds, the simulation's finest unit.
    pub fn from_millis(ms: u64) -> Self {
        SimDuration(ms)
    }

    /// The length in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds, truncated: what Argo keeps of a pause duration.
    pub fn whole_secs(self) -> u64 {
        self.0 / 1000
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for SimDuration {
    /// Go's `time.Duration` style, the way Argo prints durations: `45s`, `2m0s`, `1h30m0s`, `500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return write!(f, "0s");
        }
        if ms < 1000 {
            return write!(f, "{ms}ms");
        }
        let total_s = ms / 1000;
        let rem_ms = ms % 1000;
        let h = total_s / 3600;
        let m = (total_s % 3600) / 60;
        let s = total_s % 60;
        if h > 0 {
            write!(f, "{h}h{m}m")?;
        } else if m > 0 {
            write!(f, "{m}m")?;
        }
        if rem_ms > 0 {
            let frac = format!("{rem_ms:03}");
            write!(f, "{s}.{}s", frac.trim_end_matches('0'))
        } else {
            write!(f, "{s}s")
        }
    }
}

impl fmt::Display for SimTime {
    /// `HH:MM:SS.mmm` since the start, the timeline's clock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 % 1000;
        let s = self.0 / 1000;
        write!(
            f,
            "{:02}:{:02}:{:02}.{:03}",
            s / 3600,
            (s / 60) % 60,
            s % 60,
            ms
        )
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing was written where a duration belongs.
    #[error("empty duration")]
    Empty,
    /// A leading minus: no wait in Argo or in a scenario runs backwards.
    #[error("negative durations are not allowed")]
    Negative,
    /// Text that is neither a Go-style duration nor a number of seconds.
    #[error("`{0}` is not a duration; write it as 30s, 5m, 1h30m, 500ms or a number of seconds")]
    Invalid(String),
    /// A duration whose milliseconds do not fit the clock's 64 bits.
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

/// Parses a Go-style duration (`300ms`, `1.5s`, `2m`, `1h30m`, units ns/us/µs/ms/s/m/h) or a
/// bare integer of seconds (as Argo's `pause: {duration: 45}` and `"45"` accept), to milliseconds.
/// Sub-millisecond parts are truncated.
pub fn parse_duration(input: &str) -> Result<SimDuration, DurationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = s
            .parse()
            .map_err(|_| DurationError::Overflow(input.to_string()))?;
        return secs
            .checked_mul(1000)
            .map(SimDuration)
            .ok_or_else(|| DurationError::Overflow(input.to_string()));
    }
    parse_go_duration(s).ok_or_else(|| {
        if s.len() > 40 || s.chars().all(|c| c.is_ascii_digit() || c == '.') {
            DurationError::Overflow(input.to_string())
        } else {
            DurationError::Invalid(input.to_string())
        }
    })
}

/// A virtual instant as written on the command line: a duration since the start (`90s`,
/// `1m30s`, `90`), or the clock the timeline prints every line with, `HH:MM:SS[.mmm]` (also
/// `MM:SS[.mmm]`), so a stamp copied from a timeline names that very instant.
pub fn parse_instant(input: &str) -> Result<SimTime, DurationError> {
    let s = input.trim();
    if !s.contains(':') {
        return parse_duration(s).map(|d| SimTime::ZERO + d);
    }
    parse_clock(s)
        .map(|ms| SimTime::ZERO + SimDuration::from_millis(ms))
        .ok_or_else(|| DurationError::Invalid(input.to_string()))
}

/// `[H:]MM:SS[.fff]` to milliseconds: minutes and seconds below 60 after a larger field, up
/// to millisecond precision (finer digits are truncated, as for durations).
fn parse_clock(s: &str) -> Option<u64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (w, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let fields: Vec<&str> = whole.split(':').collect();
    if fields.len() > 3
        || fields
            .iter()
            .any(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut secs: u64 = 0;
    for (i, f) in fields.iter().enumerate() {
        let v: u64 = f.parse().ok()?;
        // Every field but the first is a minute or second of the one before it.
        if i > 0 && (v >= 60 || f.len() != 2) {
            return None;
        }
        secs = secs.checked_mul(60)?.checked_add(v)?;
    }
    let ms: u64 = format!("{frac:0<3}")[..3].parse().ok()?;
    secs.checked_mul(1000)?.checked_add(ms)
}

/// A duration as Argo's `DurationString` reads it (Go's `time.ParseDuration`): a unit is
/// required (`30s`, `1m30s`), except for `0`; a bare number of seconds is an error.
pub fn parse_strict_duration(input: &str) -> Result<SimDuration, DurationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative);
    }
    if s != "0" && s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DurationError::Invalid(input.to_string()));
    }
    parse_go_duration(s.strip_prefix('+').unwrap_or(s))
        .ok_or_else(|| DurationError::Invalid(input.to_string()))
}

/// Go's `time.ParseDuration` without the sign, in nanoseconds internally so that `1.5us`
/// style inputs add up exactly before truncation to milliseconds.
fn parse_go_duration(s: &str) -> Option<SimDuration> {
    if s == "0" {
        return Some(SimDuration::ZERO);
    }
    let mut total_ns: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (int_part, frac_part) = match num.split_once('.') {
            Some((i, f)) => (i, f),
            None => (num, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if frac_part.contains('.') {
            return None;
        }
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        total_ns = total_ns.checked_add(int.checked_mul(unit_ns)?)?;
        if !frac_part.is_empty() {
            // At most 18 digits are kept, which fits any integer type.
            let digits = u32::try_from(frac_part.len().min(18)).ok()?;
            let frac: u128 = frac_part[..digits as usize].parse().ok()?;
            total_ns = total_ns.checked_add(frac * unit_ns / 10u128.pow(digits))?;
        }
        rest = next;
    }
    let ms = total_ns / 1_000_000;
    u64::try_from(ms).ok().map(SimDuration)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_instant_is_a_duration_or_the_timelines_clock() {
        let ms = |t: &str| parse_instant(t).map(|t| t.as_millis());
        assert_eq!(ms("90s"), Ok(90_000));
        assert_eq!(ms("00:01:30"), Ok(90_000));
        assert_eq!(ms("00:01:30.000"), Ok(90_000));
        assert_eq!(ms("00:01:30.25"), Ok(90_250));
        assert_eq!(ms("01:30.5"), Ok(90_500));
        assert_eq!(ms("25:00:00.001"), Ok(90_000_001));
        // The timeline prints a SimTime so: reading it back gives the same instant.
        let t = SimTime::ZERO + SimDuration::from_millis(3_723_004);
        assert_eq!(parse_instant(&t.to_string()), Ok(t));
        for bad in [
            "00:60:00",
            "1:2:3",
            "00::30",
            "00:01:30.",
            "00:01:3x",
            "1:00:00:00",
        ] {
            assert!(
                matches!(parse_instant(bad), Err(DurationError::Invalid(_))),
                "{bad}"
            );
        }
    }

    use super::*;

    #[test]
    fn parses_go_and_bare_forms() {
        let cases = [
            ("45", 45_000),
            ("0", 0),
            ("500ms", 500),
            ("30s", 30_000),
            ("1.5s", 1_500),
            ("10m", 600_000),
            ("1h30m", 5_400_000),
            ("2h45m30.5s", 9_930_500),
            ("1500us", 1),
            (".5s", 500),
        ];
        for (input, ms) in cases {
            assert_eq!(parse_duration(input), Ok(SimDuration(ms)), "{input}");
        }
    }

    #[test]
    fn refuses_bad_forms() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("-5s"), Err(DurationError::Negative));
        assert!(matches!(
            parse_duration("ten seconds"),
            Err(DurationError::Invalid(_))
        ));
        assert!(matches!(
            parse_duration("5x"),
            Err(DurationError::Invalid(_))
        ));
        assert!(matches!(
            parse_duration("s"),
            Err(DurationError::Invalid(_))
        ));
        assert!(matches!(
            parse_duration("99999999999999999999999"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn displays_like_go() {
        assert_eq!(SimDuration(45_000).to_string(), "45s");
        assert_eq!(SimDuration(120_000).to_string(), "2m0s");
        assert_eq!(SimDuration(5_400_000).to_string(), "1h30m0s");
        assert_eq!(SimDuration(500).to_string(), "500ms");
        assert_eq!(SimDuration(1_500).to_string(), "1.5s");
        assert_eq!(SimTime(3_723_004).to_string(), "01:02:03.004");
    }

    #[test]
    fn truncates_to_whole_seconds() {
        assert_eq!(SimTime(10_999).truncate_to_second(), SimTime(10_000));
    }
}
