//! What the paper looks like: the lead layout, speed, gain, which cues are shown, the screen calibration.
//! Serializable: it goes into the export manifest.

use serde::{Deserialize, Serialize};

use super::{CSS_PX_PER_MM, STANDARD_LEADS};

/// How the leads are arranged on the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Layout {
    /// I,II,III | aVR,aVL,aVF | V1–V3 | V4–V6 (each column a quarter of the visible time: 2.5 s at
    /// 100 % zoom for a 10 s record) and a full-length lead II rhythm strip.
    #[default]
    ThreeByFourWithRhythm,
    /// Limb leads in the left column, chest leads in the right (5 s each at 100 % zoom).
    SixByTwo,
    /// Every lead full length.
    TwelveByOne,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::ThreeByFourWithRhythm, Layout::SixByTwo, Layout::TwelveByOne];

    /// Stable identifier (for `<select>` values, the export manifest, e2e tests).
    pub fn id(self) -> &'static str {
        match self {
            Layout::ThreeByFourWithRhythm => "3x4",
            Layout::SixByTwo => "6x2",
            Layout::TwelveByOne => "12x1",
        }
    }

    pub fn from_id(id: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.id() == id.trim())
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Layout::ThreeByFourWithRhythm => "3×4 + II rhythm",
            Layout::SixByTwo => "6×2",
            Layout::TwelveByOne => "12×1",
        }
    }

    /// Number of time columns.
    pub fn columns(self) -> usize {
        match self {
            Layout::ThreeByFourWithRhythm => 4,
            Layout::SixByTwo => 2,
            Layout::TwelveByOne => 1,
        }
    }

    /// The standard slots, row by row (lead names), without the rhythm strip.
    pub(super) fn standard_rows(self) -> Vec<Vec<&'static str>> {
        let s = &STANDARD_LEADS;
        match self {
            Layout::ThreeByFourWithRhythm => (0..3).map(|r| vec![s[r], s[3 + r], s[6 + r], s[9 + r]]).collect(),
            Layout::SixByTwo => (0..6).map(|r| vec![s[r], s[6 + r]]).collect(),
            Layout::TwelveByOne => s.iter().map(|l| vec![*l]).collect(),
        }
    }
}

/// What the paper looks like. Serializable: it goes into the export manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaperSettings {
    /// Paper speed, mm/s (25 default, 50).
    pub speed_mm_per_s: f64,
    /// Gain, mm/mV (10 default, 5, 20).
    pub gain_mm_per_mv: f64,
    pub layout: Layout,
    /// Draw the entropy track under each row (only when a layer is shown).
    pub show_entropy: bool,
    /// Write the cluster's name (or number) in the cue strip when it fits.
    pub show_cluster_labels: bool,
    /// CSS pixels per millimetre at 100 % zoom (screen calibration; [`CSS_PX_PER_MM`] by default).
    pub px_per_mm: f64,
}

impl Default for PaperSettings {
    fn default() -> Self {
        PaperSettings {
            speed_mm_per_s: 25.0,
            gain_mm_per_mv: 10.0,
            layout: Layout::default(),
            show_entropy: true,
            show_cluster_labels: true,
            px_per_mm: CSS_PX_PER_MM,
        }
    }
}

impl PaperSettings {
    /// Speed and gain made safe (positive, finite), px_per_mm likewise.
    pub(super) fn sane(&self) -> (f64, f64, f64) {
        let pos = |v: f64, d: f64| if v.is_finite() && v > 0.0 { v } else { d };
        (pos(self.speed_mm_per_s, 25.0), pos(self.gain_mm_per_mv, 10.0), pos(self.px_per_mm, CSS_PX_PER_MM))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_layout_ids() {
        for l in Layout::ALL {
            assert_eq!(Layout::from_id(l.id()), Some(l));
        }
        assert_eq!(Layout::from_id("nope"), None);
        let s = PaperSettings::default();
        assert_eq!((s.speed_mm_per_s, s.gain_mm_per_mv, s.layout), (25.0, 10.0, Layout::ThreeByFourWithRhythm));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<PaperSettings>(&json).unwrap(), s);
        // Missing fields take defaults.
        let partial: PaperSettings = serde_json::from_str(r#"{"speed_mm_per_s":50}"#).unwrap();
        assert_eq!(partial.speed_mm_per_s, 50.0);
        assert_eq!(partial.gain_mm_per_mv, 10.0);
    }
}
