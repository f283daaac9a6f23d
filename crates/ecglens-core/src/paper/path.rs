//! SVG path data (batched drawing: one `Path2D` per colour). Numbers are written by hand, not with `fmt`: a
//! frame writes tens of thousands of them, and two decimals are all a CSS pixel needs.

use super::geometry::{Rect, Segment};

/// A growing SVG path-data string ("M x y L x y ... Z"), coordinates rounded to 0.01 px. The canvas
/// turns it into one `Path2D` and strokes or fills it in a single call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathData {
    buf: String,
}

impl PathData {
    pub fn new() -> Self {
        PathData::default()
    }
    pub fn clear(&mut self) {
        self.buf.clear();
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.buf
    }
    fn cmd(&mut self, c: char, x: f64, y: f64) {
        self.buf.push(c);
        push_num(&mut self.buf, x);
        self.buf.push(' ');
        push_num(&mut self.buf, y);
    }
    pub fn move_to(&mut self, x: f64, y: f64) {
        self.cmd('M', x, y);
    }
    pub fn line_to(&mut self, x: f64, y: f64) {
        self.cmd('L', x, y);
    }
    pub fn close(&mut self) {
        self.buf.push('Z');
    }
    /// A closed rectangle, in the short relative form `M x y h w v h h -w Z`.
    pub fn rect(&mut self, r: &Rect) {
        self.move_to(r.x, r.y);
        self.buf.push('h');
        push_num(&mut self.buf, r.w);
        self.buf.push('v');
        push_num(&mut self.buf, r.h);
        self.buf.push('h');
        push_num(&mut self.buf, -r.w);
        self.close();
    }
    pub fn segment(&mut self, s: &Segment) {
        self.move_to(s.x0 as f64, s.y0 as f64);
        self.line_to(s.x1 as f64, s.y1 as f64);
    }
    pub fn polyline(&mut self, pts: &[(f32, f32)]) {
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i == 0 {
                self.move_to(x as f64, y as f64)
            } else {
                self.line_to(x as f64, y as f64)
            }
        }
    }
}

/// Append `v` with at most two decimals, without `fmt` (hot path: tens of thousands per frame).
fn push_num(s: &mut String, v: f64) {
    let v = if v.is_finite() { v.clamp(-1e12, 1e12) } else { 0.0 };
    let n = (v * 100.0).round() as i64;
    // Written right to left into a stack buffer, then appended at once.
    let mut buf = [0u8; 24];
    let mut pos = buf.len();
    let mut put = |b: u8| {
        pos -= 1;
        buf[pos] = b;
    };
    let mut m = n.unsigned_abs();
    let frac = (m % 100) as u8;
    m /= 100;
    if frac != 0 {
        if !frac.is_multiple_of(10) {
            put(b'0' + frac % 10);
        }
        put(b'0' + frac / 10);
        put(b'.');
    }
    loop {
        put(b'0' + (m % 10) as u8);
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        put(b'-');
    }
    s.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or("0"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_data_is_compact_svg() {
        let mut p = PathData::new();
        p.move_to(1.0, 2.5);
        p.line_to(-3.256, 1234.999);
        p.rect(&Rect::new(0.0, 0.0, 2.0, 1.0));
        assert_eq!(p.as_str(), "M1 2.5L-3.26 1235M0 0h2v1h-2Z");
        p.clear();
        p.line_to(f64::NAN, 0.05);
        assert_eq!(p.as_str(), "L0 0.05");
        p.clear();
        p.polyline(&[(0.0, 0.0), (1.5, -0.25)]);
        assert_eq!(p.as_str(), "M0 0L1.5 -0.25");
    }
}
