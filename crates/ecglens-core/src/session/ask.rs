//! What the page asks when a file does not say its sampling rate, its lead names or its units
//! ([`crate::signal::SignalError::NeedsInput`]): one field per question, filled with the reader's suggestion, and
//! the user's text turned back into [`ReadOptions`] (or a message saying what is wrong with it).

use crate::signal::{Question, ReadOptions, Units};

/// The fields of the form on a row, as text (what the inputs hold).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    /// Hz; empty when not asked.
    pub rate: Option<String>,
    /// Lead names, comma-separated.
    pub leads: Option<String>,
    /// "mV", "uV", "V" or "raw:<ADU per mV>".
    pub units: Option<String>,
}

/// The unit choices of the form, with their labels.
pub const UNIT_CHOICES: [(&str, &str); 4] =
    [("mV", "millivolts (mV)"), ("uV", "microvolts (µV)"), ("V", "volts (V)"), ("raw:1000", "raw, 1000 per mV")];

/// The form's starting values: each question's suggestion.
pub fn suggested(questions: &[Question]) -> Answers {
    let mut answers = Answers::default();
    for question in questions {
        match question {
            Question::SampleRate { suggested_hz } => answers.rate = Some(format!("{suggested_hz}")),
            Question::Leads { suggested, .. } => answers.leads = Some(suggested.join(",")),
            Question::Units { suggested } => answers.units = Some(units_text(*suggested)),
        }
    }
    answers
}

fn units_text(units: Units) -> String {
    match units {
        Units::Millivolts => "mV".into(),
        Units::Microvolts => "uV".into(),
        Units::Volts => "V".into(),
        Units::Raw(g) => format!("raw:{g}"),
    }
}

/// The user's answers as [`ReadOptions`] over `previous` (answers already given stay), or what is wrong.
pub fn to_options(answers: &Answers, questions: &[Question], previous: &ReadOptions) -> Result<ReadOptions, String> {
    let mut options = previous.clone();
    if let Some(rate) = &answers.rate {
        let hz: f64 = rate.trim().parse().map_err(|_| format!("the sampling rate \"{rate}\" is not a number of Hz"))?;
        if !(1.0..=100_000.0).contains(&hz) {
            return Err(format!("a sampling rate of {hz} Hz is not plausible (1 to 100,000 Hz)"));
        }
        options.sample_rate_hz = Some(hz);
    }
    if let Some(leads) = &answers.leads {
        let names: Vec<String> =
            leads.split([',', ' ', ';']).map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect();
        let wanted = questions.iter().find_map(|q| match q {
            Question::Leads { count, .. } => Some(*count),
            _ => None,
        });
        if let Some(count) = wanted.filter(|c| *c != names.len()) {
            return Err(format!("the file has {count} leads but {} names were given", names.len()));
        }
        options.leads = Some(names);
    }
    if let Some(units) = &answers.units {
        let parsed = match units.trim().strip_prefix("raw:") {
            Some(g) => g.trim().parse::<f64>().ok().filter(|g| g.is_finite() && *g > 0.0).map(Units::Raw),
            None => Units::parse(units),
        };
        options.units =
            Some(parsed.ok_or_else(|| format!("\"{units}\" is not a unit ecglens knows (mV, uV, V, raw:GAIN)"))?);
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_fill_the_form_and_answers_become_options() {
        let questions = vec![
            Question::SampleRate { suggested_hz: 500.0 },
            Question::Leads { count: 2, suggested: vec!["I".into(), "II".into()] },
            Question::Units { suggested: Units::Microvolts },
        ];
        let form = suggested(&questions);
        assert_eq!(form.rate.as_deref(), Some("500"));
        assert_eq!(form.leads.as_deref(), Some("I,II"));
        assert_eq!(form.units.as_deref(), Some("uV"));
        let previous = ReadOptions { item: 3, ..Default::default() };
        let o = to_options(&Answers { rate: Some(" 257 ".into()), ..form.clone() }, &questions, &previous).unwrap();
        assert_eq!(o.sample_rate_hz, Some(257.0));
        assert_eq!(o.leads, Some(vec!["I".to_string(), "II".to_string()]));
        assert_eq!((o.units, o.item), (Some(Units::Microvolts), 3));
        let raw = to_options(&Answers { units: Some("raw:200".into()), ..Default::default() }, &[], &previous).unwrap();
        assert_eq!(raw.units, Some(Units::Raw(200.0)));
    }

    #[test]
    fn wrong_answers_say_what_is_wrong() {
        let q = vec![Question::Leads { count: 3, suggested: vec![] }];
        let none = ReadOptions::default();
        let e = |a: Answers| to_options(&a, &q, &none).unwrap_err();
        assert_eq!(
            e(Answers { rate: Some("fast".into()), ..Default::default() }),
            "the sampling rate \"fast\" is not a number of Hz"
        );
        assert!(e(Answers { rate: Some("0".into()), ..Default::default() }).contains("not plausible"));
        assert_eq!(
            e(Answers { leads: Some("I, II".into()), ..Default::default() }),
            "the file has 3 leads but 2 names were given"
        );
        assert!(e(Answers { units: Some("mmHg".into()), ..Default::default() }).contains("not a unit"));
    }
}
