//! Seeded randomness. One scenario seed feeds a ChaCha8 generator per concern (a *stream*), so a
//! new draw in one concern never shifts the numbers another concern sees.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The concerns that draw random numbers; each has its own ChaCha stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Pod startup times.
    PodTiming,
    /// Pod name suffixes.
    Names,
    /// Requests and their failures.
    Traffic,
    /// Noise of metric models.
    Metrics,
    /// Fault injection choices.
    Faults,
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::PodTiming => 1,
            Stream::Names => 2,
            Stream::Traffic => 3,
            Stream::Metrics => 4,
            Stream::Faults => 5,
        }
    }
}

/// The generators of one run, one per [`Stream`].
pub struct Rngs {
    pod_timing: ChaCha8Rng,
    names: ChaCha8Rng,
    traffic: ChaCha8Rng,
    metrics: ChaCha8Rng,
    faults: ChaCha8Rng,
}

impl Rngs {
    /// Every stream of a run, all derived from the scenario's `seed`.
    pub fn new(seed: u64) -> Self {
        // Every stream has the same key (the seed's) and differs only in its stream number:
        // the key is expanded from the seed once and copied, not once per stream.
        let seeded = ChaCha8Rng::seed_from_u64(seed);
        let make = |s: Stream| {
            let mut r = seeded.clone();
            r.set_stream(s.id());
            r
        };
        Rngs {
            pod_timing: make(Stream::PodTiming),
            names: make(Stream::Names),
            traffic: make(Stream::Traffic),
            metrics: make(Stream::Metrics),
            faults: make(Stream::Faults),
        }
    }

    /// The generator of one concern, to draw from; other streams are left untouched.
    pub fn stream(&mut self, s: Stream) -> &mut ChaCha8Rng {
        match s {
            Stream::PodTiming => &mut self.pod_timing,
            Stream::Names => &mut self.names,
            Stream::Traffic => &mut self.traffic,
            Stream::Metrics => &mut self.metrics,
            Stream::Faults => &mut self.faults,
        }
    }

    /// A uniform draw in `lo..=hi` from a stream.
    pub fn uniform_u64(&mut self, s: Stream, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        self.stream(s).random_range(lo..=hi)
    }

    /// A uniform draw in `[0, 1)` from a stream.
    pub fn unit_f64(&mut self, s: Stream) -> f64 {
        self.stream(s).random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each stream is the generator seeded from the seed on its own with its stream number
    /// set (as they were made before the seeding was shared): the same draws.
    #[test]
    fn a_stream_is_the_seed_s_generator_on_its_stream() {
        use rand::Rng as _;
        for seed in [0, 7, u64::MAX] {
            let mut rngs = Rngs::new(seed);
            for s in [
                Stream::PodTiming,
                Stream::Names,
                Stream::Traffic,
                Stream::Metrics,
                Stream::Faults,
            ] {
                let mut own = ChaCha8Rng::seed_from_u64(seed);
                own.set_stream(s.id());
                for _ in 0..40 {
                    assert_eq!(rngs.stream(s).next_u64(), own.next_u64(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn streams_are_independent_and_repeatable() {
        let mut a = Rngs::new(7);
        let mut b = Rngs::new(7);
        // Drawing from one stream must not shift another.
        let _ = a.uniform_u64(Stream::Traffic, 0, 1000);
        assert_eq!(
            a.uniform_u64(Stream::PodTiming, 0, 1_000_000),
            b.uniform_u64(Stream::PodTiming, 0, 1_000_000)
        );
        let mut c = Rngs::new(8);
        let xs: Vec<u64> = (0..4)
            .map(|_| b.uniform_u64(Stream::Names, 0, u64::MAX - 1))
            .collect();
        let ys: Vec<u64> = (0..4)
            .map(|_| c.uniform_u64(Stream::Names, 0, u64::MAX - 1))
            .collect();
        assert_ne!(xs, ys);
    }
}
