//! A model as a researcher brings it: the ONNX file, its model card and, optionally, an atlas fitted for it with
//! `ecglens fit`. This module sorts a set of dropped files into those three roles, by content rather than by name
//! (a JSON file's `format` field says whether it is a card or an atlas). `Engine::new` then checks that they fit
//! together: the card's taps exist in the model, and the atlas was fitted for these exact ONNX bytes.

use crate::card::CARD_FORMAT;
use crate::clusters::ATLAS_FORMAT;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BundleError {
    #[error("no .onnx model among the files: choose the model's .onnx with its card (.card.json)")]
    NoModel,
    #[error("more than one .onnx model among the files ({0}): choose one model at a time")]
    ManyModels(String),
    #[error(
        "no model card among the files: the .onnx needs its card (JSON with \"format\": \"{CARD_FORMAT}\"), \
         which says its input leads, sample rate, classes and tapped layers"
    )]
    NoCard,
    #[error("more than one {what} among the files ({names}): choose one")]
    Duplicate { what: &'static str, names: String },
    #[error(
        "{name}: not a model card or atlas (JSON with \"format\": \"{CARD_FORMAT}\" or \"{ATLAS_FORMAT}\"): {why}"
    )]
    Unknown { name: String, why: String },
}

/// The files of one model, sorted by role.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelBundle<'a> {
    pub onnx: (&'a str, &'a [u8]),
    pub card: (&'a str, &'a [u8]),
    pub atlas: Option<(&'a str, &'a [u8])>,
}

/// What a JSON document says it is, from its top-level `format` field.
fn json_format(bytes: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Format {
        format: Option<String>,
    }
    let parsed: Format = serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
    parsed.format.ok_or_else(|| "it has no \"format\" field".to_string())
}

impl<'a> ModelBundle<'a> {
    pub fn from_files(files: &'a [(String, Vec<u8>)]) -> Result<Self, BundleError> {
        let mut onnx = Vec::new();
        let mut cards = Vec::new();
        let mut atlases = Vec::new();
        for (name, bytes) in files {
            let entry = (name.as_str(), bytes.as_slice());
            if name.to_ascii_lowercase().ends_with(".onnx") {
                onnx.push(entry);
                continue;
            }
            match json_format(bytes) {
                Ok(format) if format == CARD_FORMAT => cards.push(entry),
                Ok(format) if format == ATLAS_FORMAT => atlases.push(entry),
                Ok(format) => {
                    return Err(BundleError::Unknown { name: name.clone(), why: format!("its format is {format:?}") })
                }
                Err(why) => return Err(BundleError::Unknown { name: name.clone(), why }),
            }
        }
        let names = |v: &[(&str, &[u8])]| v.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
        let onnx = match onnx.as_slice() {
            [] => return Err(BundleError::NoModel),
            [one] => *one,
            many => return Err(BundleError::ManyModels(names(many))),
        };
        let card = match cards.as_slice() {
            [] => return Err(BundleError::NoCard),
            [one] => *one,
            many => return Err(BundleError::Duplicate { what: "model card", names: names(many) }),
        };
        let atlas = match atlases.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => return Err(BundleError::Duplicate { what: "atlas", names: names(many) }),
        };
        Ok(ModelBundle { onnx, card, atlas })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (String, Vec<u8>) {
        (name.to_string(), text.as_bytes().to_vec())
    }

    #[test]
    fn sorts_by_content_not_name() {
        let files = vec![
            file("weights.ONNX", "\x08\x07"),
            file("a.json", r#"{"format":"ecglens-atlas/1","layers":[]}"#),
            file("b.json", r#"{"format":"ecglens-model-card/1"}"#),
        ];
        let bundle = ModelBundle::from_files(&files).unwrap();
        assert_eq!(bundle.onnx.0, "weights.ONNX");
        assert_eq!(bundle.card.0, "b.json");
        assert_eq!(bundle.atlas.map(|a| a.0), Some("a.json"));
    }

    #[test]
    fn the_atlas_is_optional() {
        let files = vec![file("m.onnx", "x"), file("m.card.json", r#"{"format":"ecglens-model-card/1"}"#)];
        assert_eq!(ModelBundle::from_files(&files).unwrap().atlas, None);
    }

    #[test]
    fn says_what_is_missing_or_wrong() {
        let card = file("c.json", r#"{"format":"ecglens-model-card/1"}"#);
        assert_eq!(ModelBundle::from_files(std::slice::from_ref(&card)), Err(BundleError::NoModel));
        assert_eq!(ModelBundle::from_files(&[file("m.onnx", "x")]), Err(BundleError::NoCard));
        assert!(matches!(
            ModelBundle::from_files(&[file("m.onnx", "x"), file("n.onnx", "y"), card.clone()]),
            Err(BundleError::ManyModels(names)) if names == "m.onnx, n.onnx"
        ));
        let err =
            ModelBundle::from_files(&[file("m.onnx", "x"), card.clone(), file("notes.txt", "hello")]).unwrap_err();
        assert!(err.to_string().starts_with("notes.txt: not a model card or atlas"), "{err}");
        let err = ModelBundle::from_files(&[file("m.onnx", "x"), card, file("o.json", r#"{"format":"other/2"}"#)])
            .unwrap_err();
        assert!(err.to_string().contains("\"other/2\""), "{err}");
    }
}
