//! The side panel of the record on screen: the cluster legend (`legend`), the cardiologists' annotations
//! (`annotations`), the predictions of the CNN and the surrogate (`predictions`, `agreement`) and how each cluster
//! pushes each class (`importance`).

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::canvas;
use ecglens_core::session::summary::{agreement_text, annotations_text, prediction_rows};

#[component]
pub(super) fn Side(ctx: Ctx) -> impl IntoView {
    view! {
        <aside class="side">
            <h2>"Clusters"</h2>
            <table class="legend" data-testid="legend">
                <thead><tr><th>"#"</th><th>"Cluster"</th><th>"Share"</th></tr></thead>
                <tbody>
                {move || {
                    let layer = ctx.layer.get();
                    ctx.current.with(|c| c.as_ref().map(|s| canvas::legend(&s.explanation, Some(layer))))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|entry| view! {
                            <tr data-cluster=entry.cluster.to_string() data-colour=entry.colour data-pattern=entry.pattern.id()>
                                <td><span class="swatch" style:background=entry.swatch_css.clone()>{entry.tag.clone()}</span></td>
                                <td>{entry.name.clone()}</td>
                                <td>{format!("{:.1} %", entry.share * 100.0)}</td>
                            </tr>
                        })
                        .collect_view()
                }}
                </tbody>
            </table>
            <p class="hint">"Bands: the cluster of each sample (colour, pattern and number). Grey track under each lead: assignment entropy on a fixed [0, ln K] scale. Wheel: zoom · drag / shift+wheel / arrows: pan · 0: reset."</p>
            <p class="annotations" data-testid="annotations" hidden=move || ctx.current.with(|c| c.as_ref().is_none_or(|s| s.explanation.annotations.is_empty()))>
                {move || ctx.current.with(|c| c.as_ref().map(|s| annotations_text(&s.explanation)).unwrap_or_default())}
            </p>
            <h2>"Predictions"</h2>
            <table class="predictions" data-testid="predictions">
                <thead><tr><th>"Class"</th><th>"CNN"</th><th>"Surrogate"</th><th>"Agree"</th></tr></thead>
                <tbody>
                {move || ctx.current.with(|c| c.as_ref().map(|s| {
                    prediction_rows(&s.explanation).into_iter().map(|row| {
                        let class_attr = row.class.clone();
                        view! {
                            <tr data-class=class_attr class:positive=row.positive>
                                <td>{row.class}</td><td>{row.cnn}{if row.positive { " ✓" } else { "" }}</td><td>{row.surrogate}</td><td>{row.agree}</td>
                            </tr>
                        }
                    }).collect_view()
                }))}
                </tbody>
            </table>
            <p data-testid="agreement">{move || ctx.current.with(|c| c.as_ref().map(|s| agreement_text(&s.explanation))).unwrap_or_default()}</p>
            <h2>"How clusters push each class"</h2>
            <div class="importance-wrap">
            <table class="importance" data-testid="importance">
                {move || ctx.current.with(|c| c.as_ref().and_then(|s| s.explanation.surrogate.clone().map(|sur| {
                    let classes = s.explanation.classes.clone();
                    view! {
                        <thead><tr><th>"Feature"</th>{classes.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                        {sur.features.iter().enumerate().map(|(f, name)| view! {
                            <tr>
                                <td>{name.clone()}</td>
                                {(0..classes.len()).map(|ci| {
                                    let v = sur.signed_importance.get(ci).and_then(|row| row.get(f)).copied().unwrap_or(0.0);
                                    view! { <td class:pos=(v > 0.0) class:neg=(v < 0.0)>{format!("{v:+.3}")}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                        </tbody>
                    }
                })))}
            </table>
            </div>
        </aside>
    }
}
