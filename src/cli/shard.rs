//! `test --shard I/N`: a fixed slice of the suite, so that a CI matrix can split it.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`: the scenarios at positions `index`, `index + count`,
/// `index + 2 * count`... (1-based) of the suite's ordered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shard {
    pub(super) index: usize,
    pub(super) count: usize,
}

impl Shard {
    /// Whether the scenario at `position` (0-based) of the suite belongs to this shard.
    pub(super) fn owns(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = "write it as I/N, shard I of N, with 1 <= I <= N (e.g. 1/3)";
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a shard; {usage}"))?;
        let num = |part: &str, what: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{part}` is not a {what}; {usage}"))
        };
        let (index, count) = (num(i, "shard number")?, num(n, "shard count")?);
        if count == 0 {
            return Err(format!("the shard count must be at least 1; {usage}"));
        }
        if index == 0 || index > count {
            return Err(format!("shard {index} is outside 1..={count}; {usage}"));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("1/1".parse::<Shard>(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1/0", "a/3", "1/b", "3", "", "-1/3", "1/3/5"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_the_positions() {
        for count in 1..6 {
            for pos in 0..20 {
                let owners = (1..=count)
                    .filter(|&index| Shard { index, count }.owns(pos))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }
}
