//! Router noise that the CPU and every GPU draw identically.
//!
//! Keep in sync with `noise_normal` in `shaders/common.wgsl`: same hash, same order, same
//! integer arithmetic. A standard normal is approximated by the Irwin-Hall sum of 12
//! uniforms minus 6. Each uniform keeps the top 20 bits of a PCG hash, so the sum of 12 of
//! them is an integer below 2^24 and converts to f32 exactly: no rounding can differ
//! between CPU and GPU.

/// PCG-style integer hash (Jarzynski and Olano, "Hash Functions for GPU Rendering", 2020).
pub fn pcg_hash(input: u32) -> u32 {
    let state = input.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// The i-th uniform draw for token `token`, expert `expert`, as a 20-bit integer.
pub fn uniform_bits(seed: u32, token: u32, expert: u32, draw: u32) -> u32 {
    let h = pcg_hash(pcg_hash(pcg_hash(pcg_hash(seed) ^ token) ^ expert) ^ draw);
    h >> 12
}

/// Approximately standard normal noise for one (token, expert) logit, in [-6, 6].
pub fn noise_normal(seed: u32, token: u32, expert: u32) -> f32 {
    let mut sum: u32 = 0;
    for draw in 0..12 {
        sum += uniform_bits(seed, token, expert, draw);
    }
    // Each uniform is bits / 2^20, so the sum of 12 minus 6 is (sum - 6 * 2^20) / 2^20.
    (sum as i32 - 6 * (1 << 20)) as f32 * (1.0 / (1u32 << 20) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_roughly_standard_normal() {
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|t| noise_normal(7, t, 3) as f64).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
        assert!(draws.iter().all(|x| x.abs() <= 6.0));
    }

    #[test]
    fn noise_depends_on_every_coordinate() {
        let base = noise_normal(1, 2, 3);
        assert_ne!(base, noise_normal(2, 2, 3));
        assert_ne!(base, noise_normal(1, 3, 3));
        assert_ne!(base, noise_normal(1, 2, 4));
        assert_eq!(base, noise_normal(1, 2, 3));
    }
}
