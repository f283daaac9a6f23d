//! The two shapes the paper is made of, in CSS px: axis-aligned rectangles and straight line segments.

use serde::{Deserialize, Serialize};

/// An axis-aligned rectangle in CSS px.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// A straight line segment in CSS px.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Segment {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Segment {
    pub(super) fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Segment {
        Segment { x0: x0 as f32, y0: y0 as f32, x1: x1 as f32, y1: y1 as f32 }
    }
}
