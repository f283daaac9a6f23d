//! Unit tests of the fitting tools.

use ecglens_core::signal::wfdb;
use ndarray::Array2;

use super::*;

#[test]
fn align_matches_permuted_centroids() {
    let atlas = vec![vec![0.0, 0.0], vec![10.0, 0.0], vec![0.0, 10.0]];
    let refit = vec![vec![0.5, 9.0], vec![0.2, -0.1], vec![9.0, 1.0]];
    assert_eq!(align(&refit, &atlas), vec![2, 0, 1]);
}

#[test]
fn temperature_follows_the_votes() {
    // Two clusters; a point near the boundary on which the refits split 50/50, and two clear points.
    let distances = vec![vec![1.0, 1.2], vec![0.1, 30.0], vec![30.0, 0.1]];
    let split = vec![vec![0.5, 0.5], vec![1.0, 0.0], vec![0.0, 1.0]];
    let sure = vec![vec![1.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]];
    let ce = |votes: &[Vec<f32>], t: f32| posterior_scores(&distances, votes, 1.0, t).0;
    // When the refits agree with the nearest centroid everywhere, a colder posterior always scores better.
    assert!(ce(&sure, 0.1) < ce(&sure, 1.0) && ce(&sure, 1.0) < ce(&sure, 10.0));
    // A split vote on the boundary point makes a too-cold posterior costly.
    assert!(ce(&split, 0.01) > ce(&split, 1.0));
    let (_, h_cold) = posterior_scores(&distances, &split, 1.0, 0.1);
    let (_, h_warm) = posterior_scores(&distances, &split, 1.0, 10.0);
    assert!(h_cold < h_warm);
}

#[test]
fn auroc_matches_hand_computed_values() {
    assert_eq!(auroc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
    assert_eq!(auroc(&[0.5, 0.5], &[false, true]), Some(0.5));
    assert_eq!(auroc(&[0.5, 0.5], &[true, true]), None);
}

#[test]
fn landmark_track_marks_waves_and_the_tp_segment() {
    let a = |sample, symbol| wfdb::Annotation { sample, code: 0, symbol, subtype: 0, chan: 0, num: 0, aux: None };
    let ann = vec![
        a(10, '('),
        a(12, 'p'),
        a(15, ')'),
        a(20, '('),
        a(22, 'N'),
        a(25, ')'),
        a(30, '('),
        a(33, 't'),
        a(38, ')'),
        a(50, '('),
        a(52, 'p'),
        a(55, ')'),
    ];
    let track = landmark_track(&ann, 60);
    assert_eq!(track[12], Some(0));
    assert_eq!(track[17], None); // PR segment
    assert_eq!(track[22], Some(1));
    assert_eq!(track[35], Some(2));
    assert_eq!(track[45], Some(3));
    assert_eq!(track[50], Some(0));
}

#[test]
fn kmeans_separates_two_blobs() {
    let mut m = Array2::<f32>::zeros((200, 2));
    for i in 0..200 {
        let offset = if i < 100 { -5.0 } else { 5.0 };
        m[[i, 0]] = offset + (i % 7) as f32 * 0.1;
        m[[i, 1]] = (i % 5) as f32 * 0.1;
    }
    let (centroids, variance, _) = kmeans(&m, 2, 3, 1).unwrap();
    let mut xs: Vec<f32> = centroids.iter().map(|c| c[0]).collect();
    xs.sort_by(f32::total_cmp);
    assert!((xs[0] + 4.7).abs() < 0.2 && (xs[1] - 5.3).abs() < 0.2, "{xs:?}");
    assert!(variance < 0.1);
}

#[test]
fn assigned_folds_are_the_training_codes() {
    // training/ecglens_train/data.py `assigned_fold(i, "train")` for these ids, printed by Python.
    let python = [(1, 2), (2, 3), (7, 8), (500, 5), (1234, 3), (1999, 8), (21837, 6)];
    for (id, fold) in python {
        assert_eq!(assigned_fold(id, "train"), Some(fold), "ecg_id {id}");
    }
    assert_eq!(
        (assigned_fold(5, "val"), assigned_fold(5, "test"), assigned_fold(5, "other")),
        (Some(9), Some(10), None)
    );
}
