//! The canvas a display list is drawn on: its size in CSS px, its backing store in device pixels (CSS size ×
//! `devicePixelRatio`, so HiDPI screens are sharp), and the snapping that puts thin lines on device pixels.

use super::positive;

/// A canvas of `css_width` × `css_height` CSS px backed by `backing_width` × `backing_height` device pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surface {
    pub css_width: f64,
    /// The paper's height rounded up to whole CSS px (at least 1).
    pub css_height: f64,
    pub backing_width: u32,
    pub backing_height: u32,
}

impl Surface {
    /// The surface for a paper `paper_height` CSS px high in a canvas `css_width` wide, on a screen with this
    /// `devicePixelRatio` (1 when it is not a positive number).
    pub fn new(css_width: f64, paper_height: f64, device_pixel_ratio: f64) -> Surface {
        let dpr = if positive(device_pixel_ratio) { device_pixel_ratio } else { 1.0 };
        let css_width = if positive(css_width) { css_width } else { 1.0 };
        let css_height = paper_height.ceil().max(1.0);
        Surface {
            css_width,
            css_height,
            backing_width: (css_width * dpr).round().max(1.0) as u32,
            backing_height: (css_height * dpr).round().max(1.0) as u32,
        }
    }

    /// Device pixels per CSS px along x (the canvas transform's horizontal scale).
    pub fn scale_x(&self) -> f64 {
        self.backing_width as f64 / self.css_width
    }

    /// Device pixels per CSS px along y.
    pub fn scale_y(&self) -> f64 {
        self.backing_height as f64 / self.css_height
    }

    /// One device pixel, in CSS px (the pen of the thinnest lines).
    pub fn device_px(&self) -> f64 {
        1.0 / self.scale_x()
    }

    /// Centre of the device pixel column containing `x` (a crisp 1-device-pixel vertical line).
    pub fn snap_x(&self, x: f32) -> f64 {
        let s = self.scale_x();
        ((x as f64 * s).floor() + 0.5) / s
    }

    /// Centre of the device pixel row containing `y`.
    pub fn snap_y(&self, y: f32) -> f64 {
        let s = self.scale_y();
        ((y as f64 * s).floor() + 0.5) / s
    }

    /// Nearest device pixel edge: adjacent bands share it, so they tile without seams, and bands
    /// narrower than a device pixel vanish (their neighbours cover the column).
    pub fn edge_x(&self, x: f32) -> f64 {
        let s = self.scale_x();
        (x as f64 * s).round() / s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backing_store_is_css_size_times_the_device_pixel_ratio() {
        let s = Surface::new(1000.0, 612.3, 2.0);
        assert_eq!((s.css_width, s.css_height, s.backing_width, s.backing_height), (1000.0, 613.0, 2000, 1226));
        assert_eq!((s.scale_x(), s.scale_y(), s.device_px()), (2.0, 2.0, 0.5));
        // Fractional ratios round the backing store; the scale follows it exactly.
        let s = Surface::new(333.0, 100.0, 1.5);
        assert_eq!((s.backing_width, s.backing_height), (500, 150));
        assert_eq!(s.scale_x(), 500.0 / 333.0);
        // Nonsense: a 1 × 1 surface at ratio 1, no panic.
        let s = Surface::new(f64::NAN, f64::NAN, -3.0);
        assert_eq!((s.css_width, s.css_height, s.backing_width, s.backing_height), (1.0, 1.0, 1, 1));
    }

    #[test]
    fn snapping_lands_on_device_pixels() {
        let s = Surface::new(1000.0, 100.0, 2.0);
        assert_eq!(s.snap_x(10.1), 10.25); // device column 20, centre 20.5
        assert_eq!(s.snap_x(10.6), 10.75);
        assert_eq!(s.snap_y(3.0), 3.25);
        assert_eq!(s.edge_x(10.2), 10.0);
        assert_eq!(s.edge_x(10.3), 10.5);
        let one = Surface::new(1000.0, 100.0, 1.0);
        assert_eq!((one.snap_x(7.9), one.edge_x(7.4), one.device_px()), (7.5, 7.0, 1.0));
    }
}
