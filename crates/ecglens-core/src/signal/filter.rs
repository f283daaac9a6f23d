//! Zero-phase IIR filtering with second-order sections, compatible with `scipy.signal.sosfiltfilt(sos, x)`
//! with its defaults: odd extension of `padlen = 3 * (2 * n_sections + 1 - min(#b2 == 0, #a2 == 0))`
//! samples at both ends, initial conditions from `sosfilt_zi` scaled by the first sample of each pass,
//! forward then backward pass, padding removed. Checked against scipy to 1e-9 in `tests/signal_reference.rs`.
//!
//! A section is `[b0, b1, b2, a0, a1, a2]`; sections with `a0 != 1` are normalised by `a0`
//! (scipy refuses them); `a0 == 0` or a non-finite coefficient is an error.

use super::SignalError;

fn normalised(sos: &[[f64; 6]]) -> Result<Vec<[f64; 6]>, SignalError> {
    if sos.is_empty() {
        return Err(SignalError::Filter { message: "the filter has no sections".into() });
    }
    sos.iter()
        .enumerate()
        .map(|(i, s)| {
            if s.iter().any(|v| !v.is_finite()) {
                return Err(SignalError::Filter {
                    message: format!("section {i} has a coefficient that is not a number"),
                });
            }
            let a0 = s[3];
            if a0 == 0.0 {
                return Err(SignalError::Filter { message: format!("section {i} has a0 = 0") });
            }
            Ok(if a0 == 1.0 { *s } else { [s[0] / a0, s[1] / a0, s[2] / a0, 1.0, s[4] / a0, s[5] / a0] })
        })
        .collect()
}

/// Steady-state initial conditions of each section for a unit step (`scipy.signal.sosfilt_zi`).
pub fn sosfilt_zi(sos: &[[f64; 6]]) -> Result<Vec<[f64; 2]>, SignalError> {
    let sos = normalised(sos)?;
    let mut scale = 1.0;
    let mut zi = Vec::with_capacity(sos.len());
    for (i, s) in sos.iter().enumerate() {
        let [b0, b1, b2, _, a1, a2] = *s;
        // lfilter_zi: solve (I - A) z = B with A the transposed companion matrix of a:
        //   [1 + a1, -1] [z0]   [b1 - a1 b0]
        //   [a2,      1] [z1] = [b2 - a2 b0]
        let (r0, r1) = (b1 - a1 * b0, b2 - a2 * b0);
        let det = 1.0 + a1 + a2;
        if det == 0.0 || !det.is_finite() {
            return Err(SignalError::Filter { message: format!("section {i} has a pole at z = 1 (no steady state)") });
        }
        let z0 = (r0 + r1) / det;
        let z1 = r1 - a2 * z0;
        zi.push([scale * z0, scale * z1]);
        scale *= (b0 + b1 + b2) / (1.0 + a1 + a2);
    }
    Ok(zi)
}

/// Filters `x` in place through the cascade (`scipy.signal.sosfilt` with `zi`; transposed direct form II).
/// `zi` holds one state per section and is updated to the final state.
pub fn sosfilt_in_place(sos: &[[f64; 6]], x: &mut [f64], zi: &mut [[f64; 2]]) -> Result<(), SignalError> {
    let sos = normalised(sos)?;
    if zi.len() != sos.len() {
        return Err(SignalError::Filter { message: format!("{} initial states for {} sections", zi.len(), sos.len()) });
    }
    for v in x.iter_mut() {
        let mut xn = *v;
        for (s, z) in sos.iter().zip(zi.iter_mut()) {
            let y = s[0] * xn + z[0];
            z[0] = s[1] * xn - s[4] * y + z[1];
            z[1] = s[2] * xn - s[5] * y;
            xn = y;
        }
        *v = xn;
    }
    Ok(())
}

/// The padding `sosfiltfilt` adds at each end by default: `3 * (2 * n_sections + 1 - min(#b2 == 0, #a2 == 0))`.
pub fn default_padlen(sos: &[[f64; 6]]) -> usize {
    let zb = sos.iter().filter(|s| s[2] == 0.0).count();
    let za = sos.iter().filter(|s| s[5] == 0.0).count();
    3 * (2 * sos.len() + 1 - zb.min(za))
}

/// Zero-phase filtering, like `scipy.signal.sosfiltfilt(sos, x)` with default arguments.
///
/// Errors if `sos` is empty or invalid, or if `x` has no more than [`default_padlen`] samples
/// (scipy's condition too). NaN in `x` propagates (a [`crate::signal::Record`] is validated first).
pub fn sosfiltfilt(sos: &[[f64; 6]], x: &[f64]) -> Result<Vec<f64>, SignalError> {
    let sos = normalised(sos)?;
    let edge = default_padlen(&sos);
    let n = x.len();
    if n <= edge {
        return Err(SignalError::TooShortToFilter { len: n, needed: edge });
    }
    let zi = sosfilt_zi(&sos)?;
    // Odd extension: 2*x[0] - x[edge..0:-1], x, 2*x[n-1] - x[n-2 .. n-2-edge:-1].
    let mut ext = Vec::with_capacity(n + 2 * edge);
    let (first, last) = (x[0], x[n - 1]);
    ext.extend((1..=edge).rev().map(|i| 2.0 * first - x[i]));
    ext.extend_from_slice(x);
    ext.extend((1..=edge).map(|i| 2.0 * last - x[n - 1 - i]));

    let x0 = ext[0];
    let mut z: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * x0, z[1] * x0]).collect();
    sosfilt_in_place(&sos, &mut ext, &mut z)?;
    ext.reverse();
    let y0 = ext[0];
    let mut z: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * y0, z[1] * y0]).collect();
    sosfilt_in_place(&sos, &mut ext, &mut z)?;
    ext.reverse();
    Ok(ext[edge..edge + n].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // butter(2, 0.2, output='sos') from scipy
    const LP: [[f64; 6]; 1] =
        [[0.0674552738890719, 0.1349105477781438, 0.0674552738890719, 1.0, -1.1429805025399011, 0.41280159809618877]];

    #[test]
    fn dc_passes_unchanged_through_lowpass() {
        let x = vec![3.0; 50];
        let y = sosfiltfilt(&LP, &x).unwrap();
        for v in y {
            assert!((v - 3.0).abs() < 1e-12, "{v}");
        }
    }

    #[test]
    fn errors() {
        assert!(matches!(sosfiltfilt(&LP, &[1.0; 9]), Err(SignalError::TooShortToFilter { len: 9, needed: 9 })));
        assert!(sosfiltfilt(&LP, &[1.0; 10]).is_ok());
        assert!(sosfiltfilt(&[], &[1.0; 100]).is_err());
        assert!(sosfiltfilt(&[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], &[1.0; 100]).is_err());
        assert!(sosfiltfilt(&[[f64::NAN, 0.0, 0.0, 1.0, 0.0, 0.0]], &[1.0; 100]).is_err());
        assert!(sosfiltfilt(&LP, &[]).is_err());
        assert_eq!(default_padlen(&[[1.0, 1.0, 0.0, 1.0, 0.5, 0.0]]), 6);
    }

    #[test]
    fn a0_is_normalised() {
        let x: Vec<f64> = (0..100).map(|i| ((i * 7) % 13) as f64).collect();
        let mut scaled = LP;
        for v in &mut scaled[0] {
            *v *= 2.0;
        }
        let a = sosfiltfilt(&LP, &x).unwrap();
        let b = sosfiltfilt(&scaled, &x).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-12);
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_length(x in proptest::collection::vec(-1e3f64..1e3, 0..60)) {
            match sosfiltfilt(&LP, &x) {
                Ok(y) => prop_assert_eq!(y.len(), x.len()),
                Err(_) => prop_assert!(x.len() <= 9),
            }
        }
    }
}
