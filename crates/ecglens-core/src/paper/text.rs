//! The paper's text: its four fonts, how a line is anchored, and whether a label fits where it would go.
//!
//! Text is never measured: the core is pure and the display list is made before anything is drawn, so the
//! width of a label is estimated from its number of characters. A cluster's name goes in its band when
//! `chars × 0.62 × font px + 4 px` fits (0.62 em is a generous average glyph width for the system sans-serif
//! fonts at these sizes); a wave's name ("P", "QRS", "T") when its mark is at least 3 px per character wide.
//! Both are the rules the canvas applied with the same estimates before the display list.

use super::style::Colour;

/// How a line of text is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct TextStyle {
    pub font: Font,
    pub align: TextAlign,
    pub baseline: TextBaseline,
    pub colour: Colour,
}

/// A font of the paper (the system sans-serif stack at one size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// Lead names ("II", "aVR"), bold 12 px.
    Lead,
    /// Cluster names and tags in the cue strips, 9 px.
    Band,
    /// Entropy scale and wave names, 8 px.
    Small,
    /// The footer caption, 11 px.
    Caption,
}

impl Font {
    /// The CSS `font` shorthand.
    pub fn css(self) -> &'static str {
        match self {
            Font::Lead => "bold 12px system-ui, -apple-system, 'Segoe UI', sans-serif",
            Font::Band => "9px system-ui, -apple-system, 'Segoe UI', sans-serif",
            Font::Small => "8px system-ui, -apple-system, 'Segoe UI', sans-serif",
            Font::Caption => "11px system-ui, -apple-system, 'Segoe UI', sans-serif",
        }
    }

    /// Size, CSS px.
    pub fn px(self) -> f64 {
        match self {
            Font::Lead => 12.0,
            Font::Band => 9.0,
            Font::Small => 8.0,
            Font::Caption => 11.0,
        }
    }
}

/// Which point of the text its x coordinate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextAlign {
    Left,
    Center,
    Right,
}

impl TextAlign {
    /// The canvas's `textAlign` value.
    pub fn css(self) -> &'static str {
        match self {
            TextAlign::Left => "left",
            TextAlign::Center => "center",
            TextAlign::Right => "right",
        }
    }
}

/// Which line of the text its y coordinate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextBaseline {
    Top,
    Middle,
    Bottom,
}

impl TextBaseline {
    /// The canvas's `textBaseline` value.
    pub fn css(self) -> &'static str {
        match self {
            TextBaseline::Top => "top",
            TextBaseline::Middle => "middle",
            TextBaseline::Bottom => "bottom",
        }
    }
}

/// Estimated width of a character, in font sizes (see the module doc).
pub const GLYPH_WIDTH_EM: f64 = 0.62;
/// Horizontal room a band label keeps free around its text, CSS px.
pub const BAND_LABEL_PADDING_PX: f64 = 4.0;
/// Width a wave mark needs per character of its name before the name is written over it, CSS px.
pub const WAVE_LABEL_PX_PER_CHAR: f64 = 3.0;

/// The text to write in a band `width_px` wide: the cluster's name if it fits, else its tag, else
/// nothing. Text width is estimated at [`GLYPH_WIDTH_EM`] × font size per character (sans-serif).
pub fn band_label<'a>(name: &'a str, tag: &'a str, width_px: f64, font_px: f64) -> Option<&'a str> {
    let fits = |s: &str| (s.chars().count() as f64) * GLYPH_WIDTH_EM * font_px + BAND_LABEL_PADDING_PX <= width_px;
    if !name.is_empty() && fits(name) {
        Some(name)
    } else if !tag.is_empty() && fits(tag) {
        Some(tag)
    } else {
        None
    }
}

/// Whether a wave's name is written over its mark, `width_px` wide.
pub fn wave_label_fits(name: &str, width_px: f64) -> bool {
    width_px >= WAVE_LABEL_PX_PER_CHAR * name.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_labels_are_names_then_tags_then_nothing() {
        // Names when they fit, tags when only they fit, nothing in slivers.
        assert_eq!(band_label("QRS", "2", 40.0, 10.0), Some("QRS"));
        assert_eq!(band_label("baseline", "2", 15.0, 10.0), Some("2"));
        assert_eq!(band_label("baseline", "2", 3.0, 10.0), None);
        // The estimate at the band font: "QRS" needs 3 × 0.62 × 9 + 4 = 20.74 px.
        assert_eq!(band_label("QRS", "1", 20.8, Font::Band.px()), Some("QRS"));
        assert_eq!(band_label("QRS", "1", 20.7, Font::Band.px()), Some("1"));
        assert_eq!(band_label("", "", 100.0, Font::Band.px()), None);
    }

    #[test]
    fn wave_labels_need_three_px_per_character() {
        assert!(wave_label_fits("QRS", 9.0) && !wave_label_fits("QRS", 8.9));
        assert!(wave_label_fits("P", 3.0) && !wave_label_fits("T", 2.0));
    }

    #[test]
    fn fonts_and_anchors_are_canvas_values() {
        for font in [Font::Lead, Font::Band, Font::Small, Font::Caption] {
            assert!(font.css().contains(&format!("{}px", font.px())), "{font:?}");
            assert!(font.css().ends_with("sans-serif"));
        }
        assert!(Font::Lead.css().starts_with("bold "));
        assert_eq!(
            [TextAlign::Left, TextAlign::Center, TextAlign::Right].map(TextAlign::css),
            ["left", "center", "right"]
        );
        assert_eq!(
            [TextBaseline::Top, TextBaseline::Middle, TextBaseline::Bottom].map(TextBaseline::css),
            ["top", "middle", "bottom"]
        );
    }
}
