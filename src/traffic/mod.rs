//! The traffic model: requests per tick, split between versions by the real routing, with
//! failures drawn binomially from each version's error rate.
//!
//! Requests are aggregated per tick rather than simulated one by one: a tick of 200 requests
//! costs one binomial draw per version. A tick's whole requests are shared out by
//! [`apportion`] (largest remainder), and what each version was owed but did not get — or got
//! ahead of its share — is carried to its next tick, so a share under one request per tick
//! still gets its requests (4 % of 10 rps: one request every 2.5 s) and, at every tick, each
//! version's requests so far are its exact share rounded down or up, whatever the tick length.
//! Each version (a ReplicaSet, named by its pod-template
//! hash) keeps cumulative counters at every tick, so a metric's window query (the
//! `rate(...[1m])` of a Prometheus query) is two binary searches.
//!
//! Latency is not drawn per request: each version's latency is log-normal with the app's mean
//! and a fixed shape, and a quantile over a window is the quantile of the mixture of the
//! versions that served requests in it, weighted by their requests.
//!
//! A mirror route copies a share of the requests to one more version: the copies are served
//! (and may fail) there, but their answers never reach a user, so they are counted apart
//! (`mirrored`). A metric reading a version's traffic sees every request it served, copies
//! included.

use rand_distr::{Binomial, Distribution};
use smol_str::SmolStr;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::metrics::TrafficModel;

/// The log-normal shape (σ of the underlying normal) of every version's latency: p99 is about
/// 2.8 times the mean.
pub const LATENCY_SIGMA: f64 = 0.5;

/// Where one share of the traffic goes this tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination<'a> {
    /// The version (pod-template hash) and its image.
    pub hash: &'a str,
    /// The image it runs, carried into the per-version totals for the summary.
    pub image: &'a str,
    /// Fraction of all requests (the shares of a tick add up to at most 1).
    pub share: f64,
    /// Ready pods behind it: none means every request sent there fails.
    pub ready_pods: u32,
    /// Fraction of the requests it serves that fail (the app's model for this version).
    pub error_rate: f64,
    /// Mean response time of its requests, feeding latency metrics.
    pub latency: SimDuration,
}

/// The counters of one version at one tick (mirrored copies included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Point {
    t: SimTime,
    requests: u64,
    failed: u64,
}

/// Requests served by one version over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The version's pod-template hash, which names it in the journal.
    pub hash: SmolStr,
    /// The image it runs, for the summary's per-version lines.
    pub image: SmolStr,
    /// Requests routed to it (mirrored copies not included).
    pub requests: u64,
    /// How many of `requests` failed.
    pub failed: u64,
    /// Copies of requests a mirror route sent.
    pub mirrored: u64,
    /// How many of the `mirrored` copies failed.
    pub mirrored_failed: u64,
    /// Mean latency in seconds.
    latency_mean: f64,
    /// Cumulative counters after each tick it served in.
    points: Vec<Point>,
}

/// What one tick did, per version (for the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct TickCounts {
    /// The version (pod-template hash) the counts are for.
    pub hash: String,
    /// Requests routed to it this tick.
    pub requests: u64,
    /// How many of this tick's `requests` failed.
    pub failed: u64,
    /// Mirrored copies it received this tick.
    pub mirrored: u64,
    /// How many of this tick's `mirrored` copies failed.
    pub mirrored_failed: u64,
}

/// The traffic of a run.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// The scenario's traffic settings (rate, tick) this run follows.
    pub model: TrafficModel,
    /// Fractional requests carried to the next tick, so that 0.5 rps sends one every 2 s.
    carry: f64,
    /// The same for mirrored copies.
    mirror_carry: f64,
    /// Per destination of the last tick (by hash): its exact share of the requests so far
    /// minus the requests it got, in (-1, 1); carried into the next tick's quota.
    owed: Vec<(SmolStr, f64)>,
    /// The same for the part of the traffic that has no destination.
    unrouted_owed: f64,
    /// Totals per version, in the order versions first received traffic.
    pub versions: Vec<Version>,
    /// Requests that found no destination at all (no Service endpoint).
    pub unrouted: u64,
}

impl Traffic {
    /// A run's traffic before its first tick: no requests sent, nothing carried over.
    pub fn new(model: TrafficModel) -> Traffic {
        Traffic {
            model,
            carry: 0.0,
            mirror_carry: 0.0,
            owed: Vec::new(),
            unrouted_owed: 0.0,
            versions: Vec::new(),
            unrouted: 0,
        }
    }

    fn version_mut(&mut self, d: &Destination) -> &mut Version {
        let i = match self.versions.iter().position(|v| v.hash == d.hash) {
            Some(i) => i,
            None => {
                self.versions.push(Version {
                    hash: d.hash.into(),
                    image: d.image.into(),
                    requests: 0,
                    failed: 0,
                    mirrored: 0,
                    mirrored_failed: 0,
                    latency_mean: d.latency.as_millis() as f64 / 1000.0,
                    points: Vec::new(),
                });
                self.versions.len() - 1
            }
        };
        &mut self.versions[i]
    }

    /// One tick ending at `now`: the tick's requests are split between `dests` (see
    /// [`Traffic::share_out`]) and failures drawn for each; `mirror` (its share: the fraction
    /// of the tick's requests copied) gets the mirrored copies.
    pub fn tick(
        &mut self,
        now: SimTime,
        dests: &[Destination],
        mirror: Option<&Destination>,
        rng: &mut impl rand::Rng,
    ) -> Vec<TickCounts> {
        let exact = self.model.rps * self.model.tick.as_millis() as f64 / 1000.0 + self.carry;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the value is the floor of a non-negative request count, and `as` saturates rather than wraps, so nothing is lost at any realistic rate"
        )]
        let total = exact.floor() as u64;
        self.carry = exact - total as f64;
        let counts = self.share_out(total, dests);
        let routed: u64 = counts.iter().sum();
        self.unrouted += total - routed;
        let mut out = Vec::with_capacity(dests.len() + 1);
        for (d, &n) in dests.iter().zip(&counts) {
            let failed = failures(d, n, rng);
            let v = self.version_mut(d);
            v.requests += n;
            v.failed += failed;
            v.record(now, n, failed);
            out.push(TickCounts {
                hash: d.hash.to_string(),
                requests: n,
                failed,
                mirrored: 0,
                mirrored_failed: 0,
            });
        }
        if let Some(m) = mirror {
            let exact = total as f64 * m.share.clamp(0.0, 1.0) + self.mirror_carry;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "the value is the floor of a non-negative request count, and `as` saturates rather than wraps, so nothing is lost at any realistic rate"
            )]
            let n = exact.floor() as u64;
            self.mirror_carry = exact - n as f64;
            let failed = failures(m, n, rng);
            let v = self.version_mut(m);
            v.mirrored += n;
            v.mirrored_failed += failed;
            v.record(now, n, failed);
            match out.iter_mut().find(|c| c.hash == m.hash) {
                Some(c) => (c.mirrored, c.mirrored_failed) = (n, failed),
                None => out.push(TickCounts {
                    hash: m.hash.to_string(),
                    requests: 0,
                    failed: 0,
                    mirrored: n,
                    mirrored_failed: failed,
                }),
            }
        }
        out
    }

    /// Splits a tick's `total` requests between `dests` by share, the part their shares leave
    /// (no destination) unrouted: each one's quota is its exact share of this tick plus what
    /// it was owed from earlier ones, [`apportion`] rounds the quotas to whole requests adding
    /// up to `total`, and the difference is owed on. A destination at share 0 gets nothing
    /// and its debt is forgotten, as is the debt of a version that left the routing: owing a
    /// request to a version the router no longer sends any to would be wrong.
    fn share_out(&mut self, total: u64, dests: &[Destination]) -> Vec<u64> {
        let share = |d: &Destination| d.share.clamp(0.0, 1.0);
        let routed: f64 = dests.iter().map(share).sum();
        // Below a billionth the unrouted part is float dust from shares adding up to 1.
        let unrouted = (1.0 - routed).max(0.0);
        let unrouted = if unrouted < 1e-9 { 0.0 } else { unrouted };
        let owed_to = |hash: &str| {
            self.owed
                .iter()
                .find(|(h, _)| h == hash)
                .map_or(0.0, |(_, o)| *o)
        };
        // The destinations that take part, and their quotas; the unrouted part last.
        let mut who: Vec<usize> = Vec::with_capacity(dests.len());
        let mut quotas: Vec<f64> = Vec::with_capacity(dests.len() + 1);
        for (i, d) in dests.iter().enumerate() {
            if share(d) > 0.0 && !who.iter().any(|&j| dests[j].hash == d.hash) {
                who.push(i);
                quotas.push(total as f64 * share(d) + owed_to(d.hash));
            }
        }
        if unrouted > 0.0 || who.is_empty() {
            quotas.push(total as f64 * unrouted + self.unrouted_owed);
        }
        let got = apportion(total, &quotas);
        let mut counts = vec![0; dests.len()];
        self.owed.clear();
        for (k, &i) in who.iter().enumerate() {
            counts[i] = got[k];
            self.owed
                .push((dests[i].hash.into(), quotas[k] - got[k] as f64));
        }
        self.unrouted_owed = if quotas.len() > who.len() {
            quotas[who.len()] - got[who.len()] as f64
        } else {
            0.0
        };
        counts
    }

    /// Requests and failures of the versions in `hashes` in `(from, to]`.
    pub fn window(&self, hashes: &[&str], from: SimTime, to: SimTime) -> (u64, u64) {
        let mut req = 0;
        let mut failed = 0;
        for v in self
            .versions
            .iter()
            .filter(|v| hashes.contains(&v.hash.as_str()))
        {
            let (r1, f1) = v.at(to);
            let (r0, f0) = v.at(from);
            req += r1 - r0;
            failed += f1 - f0;
        }
        (req, failed)
    }

    /// The `q` quantile of latency (seconds) of the requests the versions in `hashes` served
    /// in `(from, to]`; `None` when they served none.
    pub fn latency_quantile(
        &self,
        hashes: &[&str],
        from: SimTime,
        to: SimTime,
        q: f64,
    ) -> Option<f64> {
        let parts: Vec<(f64, f64)> = self
            .versions
            .iter()
            .filter(|v| hashes.contains(&v.hash.as_str()))
            .filter_map(|v| {
                let n = v.at(to).0 - v.at(from).0;
                (n > 0).then_some((n as f64, v.latency_mean))
            })
            .collect();
        let total: f64 = parts.iter().map(|(n, _)| n).sum();
        if total == 0.0 {
            return None;
        }
        let cdf = |x: f64| -> f64 {
            parts
                .iter()
                .map(|(n, mean)| n / total * lognormal_cdf(x, *mean))
                .sum()
        };
        // Bisection on the mixture's CDF: monotone, and bounded by the largest mean times a
        // factor no quantile below 1 - 1e-12 reaches.
        let max_mean = parts.iter().map(|(_, m)| *m).fold(0.0, f64::max);
        if max_mean <= 0.0 {
            return Some(0.0);
        }
        let (mut lo, mut hi) = (0.0, max_mean * 1e3);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if cdf(mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some((lo + hi) / 2.0)
    }
}

/// Failures among `n` requests sent to `d`: all of them without a Ready pod, else drawn
/// binomially from its error rate.
fn failures(d: &Destination, n: u64, rng: &mut impl rand::Rng) -> u64 {
    if d.ready_pods == 0 {
        n
    } else if n == 0 || d.error_rate <= 0.0 {
        0
    } else if d.error_rate >= 1.0 {
        n
    } else {
        Binomial::new(n, d.error_rate).map_or(0, |b| b.sample(rng))
    }
}

impl Version {
    /// Adds a tick's requests (mirrored copies included) to the cumulative counters.
    fn record(&mut self, now: SimTime, n: u64, failed: u64) {
        let (requests, all_failed) = match self.points.last() {
            Some(p) => (p.requests + n, p.failed + failed),
            None => (n, failed),
        };
        let point = Point {
            t: now,
            requests,
            failed: all_failed,
        };
        match self.points.last_mut() {
            Some(last) if last.t == now => *last = point,
            _ => self.points.push(point),
        }
    }

    /// Cumulative counters at `t` (after the last tick at or before it).
    fn at(&self, t: SimTime) -> (u64, u64) {
        let i = self.points.partition_point(|p| p.t <= t);
        if i == 0 {
            (0, 0)
        } else {
            let p = self.points[i - 1];
            (p.requests, p.failed)
        }
    }
}

/// Rounds real quotas to whole numbers that add up to exactly `total` — the largest-remainder
/// (Hamilton) method: each quota rounded down (at least 0), then the units left over go one
/// each to the largest remainders, ties to the earlier quota; should the rounded-down quotas
/// come to more than `total` (negative quotas clamped at 0 can do that), units are taken back
/// from the smallest remainders. With quotas that are not negative and add up to `total`,
/// each result is its quota rounded down or up.
///
/// It is the one rounding rule of traffic: a tick's requests between versions (quotas: share
/// of the tick plus what each is owed) and the split the journal's `WeightChanged` records
/// without a router (quotas: each part's Ready pods in `maxTrafficWeight` units), so the
/// journal says what is served.
pub fn apportion(total: u64, quotas: &[f64]) -> Vec<u64> {
    let mut counts = vec![0; quotas.len()];
    apportion_into(total, quotas, &mut counts);
    counts
}

/// [`apportion`] into `counts` (as long as `quotas`): for callers that round a fixed number of
/// parts after every change and keep them in an array.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the value is the floor of a non-negative request count, and `as` saturates rather than wraps, so nothing is lost at any realistic rate"
)]
pub fn apportion_into(total: u64, quotas: &[f64], counts: &mut [u64]) {
    for (c, q) in counts.iter_mut().zip(quotas) {
        *c = q.max(0.0).floor() as u64;
    }
    if quotas.is_empty() {
        return;
    }
    let remainder = |counts: &[u64], i: usize| quotas[i] - counts[i] as f64;
    let mut sum: u64 = counts.iter().sum();
    while sum < total {
        // Largest remainder first; the first of equal ones.
        let mut best = 0;
        for i in 1..quotas.len() {
            if remainder(counts, i) > remainder(counts, best) {
                best = i;
            }
        }
        counts[best] += 1;
        sum += 1;
    }
    while sum > total {
        let Some(worst) = (0..quotas.len())
            .filter(|&i| counts[i] > 0)
            .min_by(|&a, &b| remainder(counts, a).total_cmp(&remainder(counts, b)))
        else {
            break;
        };
        counts[worst] -= 1;
        sum -= 1;
    }
}

/// CDF of a log-normal with the given mean and shape [`LATENCY_SIGMA`].
fn lognormal_cdf(x: f64, mean: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if mean <= 0.0 {
        return 1.0;
    }
    let s = LATENCY_SIGMA;
    let mu = mean.ln() - s * s / 2.0;
    0.5 * (1.0 + erf((x.ln() - mu) / (s * std::f64::consts::SQRT_2)))
}

/// The error function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7: far
/// finer than any latency threshold).
fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    sign * y
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn dest<'a>(hash: &'a str, share: f64, error_rate: f64) -> Destination<'a> {
        Destination {
            hash,
            image: "app:1",
            share,
            ready_pods: 1,
            error_rate,
            latency: SimDuration::from_millis(100),
        }
    }

    #[test]
    fn apportion_adds_up_exactly_and_rounds_each_quota_down_or_up() {
        assert_eq!(apportion(7, &[1.4, 5.6]), vec![1, 6]);
        assert_eq!(apportion(10, &[10.0 / 3.0; 3]), vec![4, 3, 3]);
        assert_eq!(apportion(100, &[100.0 / 6.0, 500.0 / 6.0]), vec![17, 83]);
        // Negative quotas (a version served ahead of its share) get nothing, and what the
        // rounded-down quotas come to over the total is taken back where least is owed.
        assert_eq!(apportion(10, &[-0.9, -0.9, 11.8]), vec![0, 0, 10]);
        assert_eq!(apportion(0, &[]), Vec::<u64>::new());
    }

    /// Runs `ticks` ticks of `rps` (1 s) over fixed shares and returns the requests each
    /// destination got per tick.
    fn per_tick(rps: f64, shares: &[f64], ticks: u64) -> Vec<Vec<u64>> {
        let names = ["a", "b", "c", "d", "e"];
        let mut t = Traffic::new(TrafficModel {
            rps,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let dests: Vec<Destination> = shares
            .iter()
            .zip(names)
            .map(|(&s, n)| dest(n, s, 0.0))
            .collect();
        (1..=ticks)
            .map(|s| {
                t.tick(SimTime::from_secs(s), &dests, None, &mut rng)
                    .iter()
                    .map(|c| c.requests)
                    .collect()
            })
            .collect()
    }

    proptest::proptest! {
        /// Any split of any rate: every tick adds up to its requests, and every version's
        /// requests so far stay within one of its exact share.
        #[test]
        fn shares_so_far_stay_within_one_request(
            rps in 0.05f64..50.0,
            parts in proptest::collection::vec(1u32..20, 1..5),
        ) {
            let all: u32 = parts.iter().sum();
            let shares: Vec<f64> = parts.iter().map(|&p| f64::from(p) / f64::from(all)).collect();
            let ticks = per_tick(rps, &shares, 200);
            let mut so_far = vec![0u64; shares.len()];
            let mut sent = 0u64;
            for tick in &ticks {
                sent += tick.iter().sum::<u64>();
                for (i, n) in tick.iter().enumerate() {
                    so_far[i] += n;
                }
                for (i, s) in shares.iter().enumerate() {
                    let exact = sent as f64 * s;
                    proptest::prop_assert!((so_far[i] as f64 - exact).abs() < 1.0 + 1e-9);
                }
            }
            // Fractions of the rate carry over too: 200 s sends rps · 200, rounded down.
            proptest::prop_assert!((sent as f64 - rps * 200.0).abs() < 1.0 + 1e-6);
        }
    }

    #[test]
    fn a_share_under_one_request_per_tick_still_gets_its_requests() {
        // 4 % of 10 rps is 0.4 request a tick: rounded every tick it would be none.
        let ticks = per_tick(10.0, &[0.04, 0.96], 600);
        let canary: u64 = ticks.iter().map(|t| t[0]).sum();
        assert_eq!(canary, 240);
        assert!(ticks.iter().all(|t| t[0] + t[1] == 10));
        // One every 2.5 s: never two in a row, never more than two ticks without one.
        let got: Vec<u64> = ticks.iter().map(|t| t[0]).collect();
        assert!(got.windows(2).all(|w| w[0] + w[1] <= 1), "{got:?}");
        assert!(
            got.windows(3).all(|w| w.iter().sum::<u64>() >= 1),
            "{got:?}"
        );
    }

    #[test]
    fn every_version_gets_its_exact_share_so_far_rounded_down_or_up() {
        for (rps, shares) in [
            (1.0, vec![1.0 / 6.0, 5.0 / 6.0]),
            (7.0, vec![0.01, 0.33, 0.66]),
            (70.0, vec![1.0 / 3.0; 3]),
            (0.3, vec![0.2, 0.5, 0.3]),
            (13.0, vec![0.05, 0.05, 0.1, 0.8]),
        ] {
            let ticks = per_tick(rps, &shares, 500);
            let mut so_far = vec![0u64; shares.len()];
            let mut exact_total = 0.0;
            for (k, tick) in ticks.iter().enumerate() {
                for (i, n) in tick.iter().enumerate() {
                    so_far[i] += n;
                }
                // The tick's total is the floor of rps · elapsed (fractions carry over).
                exact_total = (rps * (k + 1) as f64).floor().max(exact_total);
                for (i, s) in shares.iter().enumerate() {
                    let exact = exact_total * s;
                    let got = so_far[i] as f64;
                    assert!(
                        (got - exact).abs() < 1.0 + 1e-9,
                        "rps {rps} shares {shares:?} tick {k}: {i} got {got}, exact {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_split_does_not_depend_on_the_tick_length() {
        let run = |tick: u64| {
            let mut t = Traffic::new(TrafficModel {
                rps: 10.0,
                tick: SimDuration::from_secs(tick),
            });
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            for k in 1..=600 / tick {
                t.tick(
                    SimTime::from_secs(k * tick),
                    &[dest("stable", 0.96, 0.0), dest("canary", 0.04, 0.0)],
                    None,
                    &mut rng,
                );
            }
            t.window(&["canary"], SimTime::ZERO, SimTime::from_secs(600))
                .0
        };
        assert_eq!((run(1), run(10), run(60)), (240, 240, 240));
    }

    #[test]
    fn a_version_leaving_the_routing_gets_nothing_more() {
        let mut t = Traffic::new(TrafficModel {
            rps: 1.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        // The canary is owed 0.4 after one tick, then its weight goes to 0.
        t.tick(
            SimTime::from_secs(1),
            &[dest("stable", 0.6, 0.0), dest("canary", 0.4, 0.0)],
            None,
            &mut rng,
        );
        for s in 2..=5 {
            let c = t.tick(
                SimTime::from_secs(s),
                &[dest("stable", 1.0, 0.0), dest("canary", 0.0, 0.0)],
                None,
                &mut rng,
            );
            assert_eq!((c[0].requests, c[1].requests), (1, 0));
        }
    }

    #[test]
    fn a_share_with_no_destination_is_unrouted_in_the_same_way() {
        let mut t = Traffic::new(TrafficModel {
            rps: 1.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for s in 1..=10 {
            t.tick(
                SimTime::from_secs(s),
                &[dest("canary", 0.3, 0.0)],
                None,
                &mut rng,
            );
        }
        assert_eq!((t.versions[0].requests, t.unrouted), (3, 7));
    }

    #[test]
    fn failures_of_a_small_share_are_not_lost() {
        // One request every 25 ticks, each failing with probability 0.5: the failures are
        // drawn per request sent, not rounded away.
        let mut t = Traffic::new(TrafficModel {
            rps: 1.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for s in 1..=10_000 {
            t.tick(
                SimTime::from_secs(s),
                &[dest("stable", 0.96, 0.0), dest("canary", 0.04, 0.5)],
                None,
                &mut rng,
            );
        }
        let canary = t.versions.iter().find(|v| v.hash == "canary").unwrap();
        assert_eq!(canary.requests, 400);
        // Binomial(400, 0.5): mean 200, sd 10.
        assert!((150..250).contains(&canary.failed), "{}", canary.failed);
    }

    #[test]
    fn ticks_accumulate_and_windows_subtract() {
        let mut t = Traffic::new(TrafficModel {
            rps: 100.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for s in 1..=120 {
            t.tick(
                SimTime::from_secs(s),
                &[dest("stable", 0.8, 0.0), dest("canary", 0.2, 0.2)],
                None,
                &mut rng,
            );
        }
        let (req, failed) = t.window(&["canary"], SimTime::from_secs(60), SimTime::from_secs(120));
        assert_eq!(req, 60 * 20);
        // 1200 draws at 20 %: far from 0 and from 1200.
        assert!((150..350).contains(&failed), "{failed}");
        let (req, failed) = t.window(&["stable"], SimTime::ZERO, SimTime::from_secs(120));
        assert_eq!((req, failed), (120 * 80, 0));
    }

    #[test]
    fn mirrored_copies_are_counted_apart_but_metrics_see_them() {
        let mut t = Traffic::new(TrafficModel {
            rps: 100.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mirror = dest("canary", 0.25, 1.0);
        for s in 1..=4 {
            t.tick(
                SimTime::from_secs(s),
                &[dest("stable", 1.0, 0.0)],
                Some(&mirror),
                &mut rng,
            );
        }
        let canary = t.versions.iter().find(|v| v.hash == "canary").unwrap();
        assert_eq!((canary.requests, canary.failed), (0, 0));
        assert_eq!((canary.mirrored, canary.mirrored_failed), (100, 100));
        let (req, failed) = t.window(&["canary"], SimTime::ZERO, SimTime::from_secs(4));
        assert_eq!((req, failed), (100, 100));
    }

    #[test]
    fn fractional_rates_carry_over() {
        let mut t = Traffic::new(TrafficModel {
            rps: 0.5,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for s in 1..=10 {
            t.tick(
                SimTime::from_secs(s),
                &[dest("a", 1.0, 0.0)],
                None,
                &mut rng,
            );
        }
        assert_eq!(t.versions[0].requests, 5);
    }

    #[test]
    fn latency_quantiles_of_one_version() {
        let mut t = Traffic::new(TrafficModel {
            rps: 10.0,
            tick: SimDuration::from_secs(1),
        });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        t.tick(
            SimTime::from_secs(1),
            &[dest("a", 1.0, 0.0)],
            None,
            &mut rng,
        );
        let median = t
            .latency_quantile(&["a"], SimTime::ZERO, SimTime::from_secs(1), 0.5)
            .unwrap();
        // Median of a log-normal = mean · exp(-σ²/2).
        assert!((median - 0.1 * (-0.125f64).exp()).abs() < 1e-4, "{median}");
        let p99 = t
            .latency_quantile(&["a"], SimTime::ZERO, SimTime::from_secs(1), 0.99)
            .unwrap();
        assert!(p99 > 0.25 && p99 < 0.31, "{p99}");
        assert_eq!(
            t.latency_quantile(&["b"], SimTime::ZERO, SimTime::from_secs(1), 0.5),
            None
        );
    }
}
