//! The crate's one random source (SplitMix64; Steele, Lea, Flood 2014) for the corpus,
//! weight initialisation, the training order, tests and benchmarks. Integer arithmetic
//! only, so the same seed gives the same stream on every platform, wasm32 included; not
//! for cryptography.

#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Stream `stream` of `seed`: nearby stream numbers give unrelated sequences, so each
    /// part of a generator can draw from its own stream and changing how much one part
    /// draws leaves the others as they were.
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xD605_BBB5_8C8A_BE4D));
        // The corpus has always skipped the first value; skipping it keeps the corpus.
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform integer in `0..n` (n > 0), by the multiply-high method: the high half of a
    /// 128-bit product. No division, and the same tiny bias as a modulo (at most n / 2^64)
    /// but spread over the range instead of piled on the low values.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A uniformly drawn element of `xs` (not empty).
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// Approximately standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let u2 = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }

    /// `n` normal values scaled by `std`.
    pub fn normals(&mut self, n: usize, std: f32) -> Vec<f32> {
        (0..n).map(|_| self.normal() * std).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(5);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(5);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        let xs = r.normals(10_000, 1.0);
        let mean = xs.iter().sum::<f32>() / xs.len() as f32;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / xs.len() as f32;
        assert!(mean.abs() < 0.05 && (var - 1.0).abs() < 0.05, "mean {mean} var {var}");
        assert!((0..1000).all(|_| r.below(7) < 7));
    }

    #[test]
    fn streams_ranges_percentages_and_picks() {
        let first = |seed, stream| Rng::with_stream(seed, stream).next_u64();
        assert_eq!(first(3, 1), first(3, 1));
        assert_ne!(first(3, 1), first(3, 2));
        assert_ne!(first(3, 1), first(4, 1));

        let mut r = Rng::new(9);
        let mut seen = [0usize; 7];
        for _ in 0..70_000 {
            seen[r.below(7)] += 1;
        }
        assert!(seen.iter().all(|&n| n.abs_diff(10_000) < 500), "{seen:?}");
        assert_eq!(r.below(1), 0);
        // Multiply-high: a draw maps to the value whose n-th of the u64 range it falls in.
        let (mut a, mut b) = (Rng::new(11), Rng::new(11));
        for n in [2, 3, 100, usize::MAX] {
            assert_eq!(a.below(n), ((b.next_u64() as u128 * n as u128) >> 64) as usize);
        }

        let draws: Vec<u32> = (0..1000).map(|_| r.range(38, 40)).collect();
        assert!(draws.iter().all(|d| (38..=40).contains(d)));
        assert!([38, 39, 40].iter().all(|v| draws.contains(v)), "both ends and the middle");
        assert_eq!(r.range(5, 5), 5);

        assert!((0..1000).all(|_| !r.percent(0)) && (0..1000).all(|_| r.percent(100)));
        let hits = (0..10_000).filter(|_| r.percent(30)).count();
        assert!(hits.abs_diff(3000) < 200, "{hits}");

        let xs = ['a', 'b', 'c'];
        let picked: Vec<char> = (0..300).map(|_| *r.pick(&xs)).collect();
        assert!(xs.iter().all(|x| picked.contains(x)));
    }
}
