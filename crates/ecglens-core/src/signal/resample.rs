//! Polyphase resampling, compatible with `scipy.signal.resample_poly(x, up, down)` with its defaults
//! (`window=('kaiser', 5.0)`, `padtype='constant'`, `cval=0`): same FIR design (`firwin` with a Kaiser
//! window, `half_len = 10 * max(up, down)`, cut-off `1 / max(up, down)` of Nyquist, gain `up`), same
//! zero padding, same output alignment and length `ceil(n * up / down)`. Agreement is at rounding level
//! (checked against scipy to 1e-9 relative in `tests/signal_reference.rs`).

use super::SignalError;

/// Largest up or down factor (after reducing by their gcd) accepted. The FIR filter has
/// `20 * max(up, down) + 1` taps, so this bounds memory and time.
pub const MAX_FACTOR: usize = 10_000;

/// Kaiser window parameter used by scipy's `resample_poly` by default.
pub const KAISER_BETA: f64 = 5.0;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// The smallest integers `(up, down)` with `up / down == to_hz / from_hz`, so that
/// `resample_poly(x, up, down)` turns a signal sampled at `from_hz` into one sampled at `to_hz`.
///
/// Exact for rates that are integers or simple fractions (500→100 gives (1, 5), 360→100 gives (5, 18),
/// 257→100 gives (100, 257)). Otherwise the best continued-fraction approximation with both factors at
/// most [`MAX_FACTOR`] is used if it is within 1 ppm; else an error. Non-positive, infinite or NaN rates
/// are errors.
pub fn rational_ratio(from_hz: f64, to_hz: f64) -> Result<(usize, usize), SignalError> {
    for (what, v) in [("original", from_hz), ("target", to_hz)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(SignalError::Resample {
                message: format!("the {what} sampling rate {v} Hz is not a positive number"),
            });
        }
    }
    // Integer rates: exact.
    let is_int = |v: f64| v <= 1e12 && (v - v.round()).abs() <= 1e-9 * v.max(1.0) && v.round() >= 1.0;
    if is_int(from_hz) && is_int(to_hz) {
        let (f, t) = (from_hz.round() as u64, to_hz.round() as u64);
        let g = gcd(f, t);
        let (up, down) = (t / g, f / g);
        if up as u128 <= MAX_FACTOR as u128 && down as u128 <= MAX_FACTOR as u128 {
            return Ok((up as usize, down as usize));
        }
    }
    // Continued fraction of r = to / from.
    let r = to_hz / from_hz;
    if !(r.is_finite() && r > 0.0) {
        return Err(SignalError::Resample { message: format!("cannot convert {from_hz} Hz to {to_hz} Hz") });
    }
    let (mut h0, mut h1) = (0u64, 1u64); // numerators h_{k-2}, h_{k-1}
    let (mut k0, mut k1) = (1u64, 0u64); // denominators
    let mut x = r;
    let mut best: Option<(u64, u64)> = None;
    for _ in 0..64 {
        let a = x.floor();
        if !(0.0..1e15).contains(&a) {
            break;
        }
        let ai = a as u64;
        let (Some(h2), Some(k2)) =
            (ai.checked_mul(h1).and_then(|v| v.checked_add(h0)), ai.checked_mul(k1).and_then(|v| v.checked_add(k0)))
        else {
            break;
        };
        if h2 as u128 > MAX_FACTOR as u128 || k2 as u128 > MAX_FACTOR as u128 {
            break;
        }
        if h2 > 0 && k2 > 0 {
            best = Some((h2, k2));
            let err = ((h2 as f64 / k2 as f64) - r).abs() / r;
            if err <= 1e-12 {
                break;
            }
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        let frac = x - a;
        if frac <= 1e-15 {
            break;
        }
        x = 1.0 / frac;
    }
    match best {
        Some((u, d)) if ((u as f64 / d as f64) - r).abs() / r <= 1e-6 => {
            let g = gcd(u, d);
            Ok(((u / g) as usize, (d / g) as usize))
        }
        _ => Err(SignalError::Resample {
            message: format!(
                "the ratio {to_hz} Hz / {from_hz} Hz cannot be written as a fraction with terms up to {MAX_FACTOR}"
            ),
        }),
    }
}

/// Modified Bessel function of the first kind, order 0, by its power series (converges fast for the
/// small arguments of a Kaiser window; relative accuracy ~1e-16 for |x| ≤ 20).
pub fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while k < 500.0 {
        term *= q / (k * k);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
        k += 1.0;
    }
    sum
}

/// `scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta))` for a low-pass filter with
/// `cutoff` relative to Nyquist (0 < cutoff < 1), scaled to unit gain at DC. `numtaps` must be odd.
pub fn firwin_kaiser_lowpass(numtaps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    if numtaps == 0 {
        return Vec::new();
    }
    let alpha = 0.5 * (numtaps as f64 - 1.0);
    let i0_beta = bessel_i0(beta);
    let mut h: Vec<f64> = (0..numtaps)
        .map(|n| {
            let m = n as f64 - alpha;
            let arg = cutoff * m;
            let y = std::f64::consts::PI * if arg == 0.0 { 1e-20 } else { arg };
            let sinc = y.sin() / y;
            let w = if alpha > 0.0 {
                let r = m / alpha;
                bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta
            } else {
                1.0
            };
            cutoff * sinc * w
        })
        .collect();
    let s: f64 = h.iter().sum();
    if s != 0.0 {
        for v in &mut h {
            *v /= s;
        }
    }
    h
}

/// Output length of [`resample_poly`]: `ceil(n * up / down)` after reducing `up / down`; `None` on overflow
/// or a zero factor.
pub fn output_len(n: usize, up: usize, down: usize) -> Option<usize> {
    if up == 0 || down == 0 {
        return None;
    }
    let g = gcd(up as u64, down as u64);
    let (up, down) = (up as u64 / g, down as u64 / g);
    let total = (n as u64).checked_mul(up)?;
    usize::try_from(total.div_ceil(down)).ok()
}

/// Resamples `x` by `up / down` like `scipy.signal.resample_poly(x, up, down)`.
///
/// Never panics: returns an empty vector if a factor is zero or larger than [`MAX_FACTOR`] after reducing
/// by the gcd, or if the output would not fit in memory. Use [`try_resample_poly`] to get those as errors.
pub fn resample_poly(x: &[f64], up: usize, down: usize) -> Vec<f64> {
    try_resample_poly(x, up, down).unwrap_or_default()
}

/// [`resample_poly`], with invalid factors reported as errors.
pub fn try_resample_poly(x: &[f64], up: usize, down: usize) -> Result<Vec<f64>, SignalError> {
    if up == 0 || down == 0 {
        return Err(SignalError::Resample { message: format!("up ({up}) and down ({down}) must be at least 1") });
    }
    let g = gcd(up as u64, down as u64);
    let (up, down) = (up as u64 / g, down as u64 / g);
    if up > MAX_FACTOR as u64 || down > MAX_FACTOR as u64 {
        return Err(SignalError::Resample {
            message: format!("the factors {up}/{down} exceed the limit of {MAX_FACTOR}"),
        });
    }
    if up == 1 && down == 1 {
        return Ok(x.to_vec());
    }
    let n_in = x.len() as u64;
    let n_out = n_in
        .checked_mul(up)
        .map(|t| t.div_ceil(down))
        .filter(|&n| n <= super::limits::MAX_TOTAL_SAMPLES as u64 * 4)
        .ok_or_else(|| SignalError::Resample { message: "the resampled signal would be too long".into() })?;
    if n_in == 0 {
        return Ok(Vec::new());
    }
    let max_rate = up.max(down);
    let half_len = 10 * max_rate;
    let mut h = firwin_kaiser_lowpass((2 * half_len + 1) as usize, 1.0 / max_rate as f64, KAISER_BETA);
    for v in &mut h {
        *v *= up as f64;
    }
    // scipy pads the filter in front so the output samples land at the centre of the filter.
    let n_pre_pad = down - half_len % down;
    let n_pre_remove = (half_len + n_pre_pad) / down;
    let len_hp = n_pre_pad + h.len() as u64; // filter with the leading zeros; zeros after it change nothing
    let mut y = Vec::with_capacity(n_out as usize);
    for k_out in 0..n_out {
        // Full-convolution output index k of upfirdn: y_full[k] = sum_j hp[j] * x_up[k*down - j].
        let t = (k_out + n_pre_remove) * down;
        let phase = t % up;
        let i0 = t / up; // x index paired with hp[phase]
        let mut acc = 0.0;
        if phase < len_hp {
            // j = phase + up*q; x index = i0 - q; need 0 <= i0 - q < n_in and j < len_hp.
            let q_max = ((len_hp - 1 - phase) / up).min(i0);
            let q_min = if i0 >= n_in { i0 - (n_in - 1) } else { 0 };
            let mut q = q_min;
            while q <= q_max {
                let j = phase + up * q;
                if j >= n_pre_pad {
                    acc += h[(j - n_pre_pad) as usize] * x[(i0 - q) as usize];
                }
                q += 1;
            }
        }
        y.push(acc);
    }
    Ok(y)
}

/// Resamples a signal sampled at `from_hz` to `to_hz` (see [`rational_ratio`] and [`resample_poly`]).
pub fn resample_to_rate(x: &[f64], from_hz: f64, to_hz: f64) -> Result<Vec<f64>, SignalError> {
    let (up, down) = rational_ratio(from_hz, to_hz)?;
    try_resample_poly(x, up, down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ratios() {
        assert_eq!(rational_ratio(500.0, 100.0).unwrap(), (1, 5));
        assert_eq!(rational_ratio(360.0, 100.0).unwrap(), (5, 18));
        assert_eq!(rational_ratio(257.0, 100.0).unwrap(), (100, 257));
        assert_eq!(rational_ratio(1000.0, 100.0).unwrap(), (1, 10));
        assert_eq!(rational_ratio(100.0, 100.0).unwrap(), (1, 1));
        assert_eq!(rational_ratio(100.0, 500.0).unwrap(), (5, 1));
        assert_eq!(rational_ratio(360.5, 100.0).unwrap(), (200, 721));
        assert_eq!(rational_ratio(128.0, 100.0).unwrap(), (25, 32));
        let (u, d) = rational_ratio(1000.0 / 3.0, 100.0).unwrap();
        assert!(((u as f64 / d as f64) - 0.3).abs() < 1e-6, "{u}/{d}");
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(rational_ratio(bad, 100.0).is_err());
            assert!(rational_ratio(100.0, bad).is_err());
        }
        assert!(rational_ratio(1e-300, 100.0).is_err());
        assert!(rational_ratio(std::f64::consts::PI * 1e3, 100.0).is_ok());
    }

    #[test]
    fn i0_matches_known_values() {
        // I0(0) = 1, I0(1) = 1.2660658777520082, I0(5) = 27.239871823604442
        assert_eq!(bessel_i0(0.0), 1.0);
        assert!((bessel_i0(1.0) - 1.2660658777520082).abs() < 1e-15);
        assert!((bessel_i0(5.0) - 27.239871823604442).abs() < 1e-12);
    }

    #[test]
    fn edge_cases_never_panic() {
        assert!(resample_poly(&[], 1, 5).is_empty());
        assert_eq!(resample_poly(&[2.0], 1, 5).len(), 1);
        assert_eq!(resample_poly(&[2.0], 5, 1).len(), 5);
        assert!(resample_poly(&[1.0, 2.0], 0, 5).is_empty());
        assert!(resample_poly(&[1.0, 2.0], 5, 0).is_empty());
        assert!(try_resample_poly(&[1.0], 1, MAX_FACTOR + 1).is_err());
        assert!(resample_poly(&[1.0], usize::MAX, 1).is_empty());
        assert_eq!(resample_poly(&[1.0, 2.0, 3.0], 7, 7), vec![1.0, 2.0, 3.0]);
        assert_eq!(output_len(10, 0, 1), None);
    }

    fn sine(n: usize, fs: f64, f: f64) -> Vec<f64> {
        (0..n).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / fs).sin()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn length_is_ceil(n in 0usize..400, up in 1usize..12, down in 1usize..12) {
            let x: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
            let y = resample_poly(&x, up, down);
            let g = gcd(up as u64, down as u64) as usize;
            let (u, d) = (up / g, down / g);
            prop_assert_eq!(y.len(), (n * u).div_ceil(d));
            prop_assert_eq!(Some(y.len()), output_len(n, up, down));
        }

        #[test]
        fn dc_level_preserved_away_from_edges(level in -5.0f64..5.0, up in 1usize..8, down in 1usize..8) {
            let n = 2000;
            let x = vec![level; n];
            let y = resample_poly(&x, up, down);
            let margin = y.len() / 4;
            for v in &y[margin..y.len() - margin] {
                prop_assert!((v - level).abs() <= 2e-3 * level.abs().max(1e-3), "{} vs {}", v, level);
            }
        }

        #[test]
        fn slow_sine_preserved(up in 1usize..6, down in 1usize..6, f in 0.5f64..3.0) {
            // 500 Hz signal, a sine far below every Nyquist involved.
            let fs = 500.0;
            let x = sine(3000, fs, f);
            let y = resample_poly(&x, up, down);
            let g = gcd(up as u64, down as u64) as f64;
            let fs2 = fs * (up as f64 / g) / (down as f64 / g);
            let want = sine(y.len(), fs2, f);
            let margin = y.len() / 4;
            for i in margin..y.len() - margin {
                prop_assert!((y[i] - want[i]).abs() < 5e-3, "i={} {} vs {}", i, y[i], want[i]);
            }
        }

        #[test]
        fn never_panics(x in proptest::collection::vec(proptest::num::f64::ANY, 0..50), up in 0usize..40, down in 0usize..40) {
            let y = resample_poly(&x, up, down);
            if up > 0 && down > 0 {
                prop_assert_eq!(Some(y.len()), output_len(x.len(), up, down));
            }
        }
    }
}
