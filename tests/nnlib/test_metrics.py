"""Tests for nnlib.metrics on small examples worked by hand."""
import warnings

import numpy as np
import pytest

from nnlib.metrics import accuracy, confusion_matrix, precision_recall_f1, to_labels

# Hand example: 8 samples of 3 classes.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 1, 0, 1, 2, 2, 2, 2])


def test_confusion_matrix_hand_example():
    """Are rows the true class and columns the predicted class?

    true 0 -> predicted 0, 1, 0; true 1 -> 1, 2; true 2 -> 2, 2, 2.
    """
    M = confusion_matrix(Y_TRUE, Y_PRED)
    assert M.dtype.kind == "i"
    np.testing.assert_array_equal(M, [[2, 1, 0], [0, 1, 1], [0, 0, 3]])
    assert M.sum() == 8 and np.trace(M) == 6
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED, n_classes=4)[3], [0, 0, 0, 0])


def test_precision_recall_f1_hand_example():
    """Do P, R, F1 per class and their macro means match the hand computation?

    Column sums (predicted) 2, 2, 4; row sums (true) 3, 2, 3; diagonal 2, 1, 3.
    P = (1, 1/2, 3/4); R = (2/3, 1/2, 1); F1 = (0.8, 0.5, 6/7).
    Macro P = 0.75, macro R = 13/18, macro F1 = (0.8 + 0.5 + 6/7) / 3.
    """
    r = precision_recall_f1(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(r["precision"], [1.0, 0.5, 0.75], rtol=1e-15)
    np.testing.assert_allclose(r["recall"], [2 / 3, 0.5, 1.0], rtol=1e-15)
    np.testing.assert_allclose(r["f1"], [0.8, 0.5, 6 / 7], rtol=1e-15)
    np.testing.assert_array_equal(r["support"], [3, 2, 3])
    assert r["macro_precision"] == pytest.approx(0.75, rel=1e-15)
    assert r["macro_recall"] == pytest.approx(13 / 18, rel=1e-15)
    assert r["macro_f1"] == pytest.approx((0.8 + 0.5 + 6 / 7) / 3, rel=1e-15)
    per_class_only = precision_recall_f1(Y_TRUE, Y_PRED, average=None)
    assert "macro_f1" not in per_class_only
    np.testing.assert_array_equal(per_class_only["f1"], r["f1"])


def test_zero_division_is_zero_without_warning():
    """Is a class never predicted given precision 0 (0/0) and F1 0, silently?"""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        r = precision_recall_f1([0, 1, 2], [0, 0, 0])
    np.testing.assert_allclose(r["precision"], [1 / 3, 0.0, 0.0])
    np.testing.assert_allclose(r["recall"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(r["f1"], [0.5, 0.0, 0.0])
    assert r["macro_f1"] == pytest.approx(0.5 / 3)


def test_macro_skips_classes_absent_everywhere():
    """Does a label that occurs in neither y_true nor y_pred stay out of the macro average?"""
    r = precision_recall_f1([0, 2, 2], [0, 2, 0], n_classes=4)
    assert r["precision"].shape == (4,)
    # class 0: P = 1/2, R = 1, F1 = 2/3; class 2: P = 1, R = 1/2, F1 = 2/3
    assert r["macro_f1"] == pytest.approx(2 / 3)
    assert r["macro_precision"] == pytest.approx(0.75)


def test_accuracy_from_labels_scores_and_probabilities():
    """Does accuracy read labels, (N, C) scores by argmax and probabilities by p > 0.5 alike?"""
    assert accuracy(Y_PRED, Y_TRUE) == pytest.approx(0.75)
    scores = np.eye(3)[Y_PRED] * 2.0 - 0.5  # (8, 3), arg-max = Y_PRED
    assert accuracy(scores, Y_TRUE) == pytest.approx(0.75)
    assert accuracy(scores, np.eye(3)[Y_TRUE]) == pytest.approx(0.75)  # one-hot truth
    p = np.array([0.9, 0.2, 0.5, 0.51])  # -> 1, 0, 0, 1 (0.5 is not above the threshold)
    t = np.array([1, 0, 1, 1])
    assert accuracy(p, t) == pytest.approx(0.75)
    assert accuracy(p[:, None], t) == pytest.approx(0.75)
    assert type(accuracy(p, t)) is float


def test_to_labels_rules():
    """Are whole-number vectors kept as labels and fractional ones thresholded?"""
    np.testing.assert_array_equal(to_labels(np.array([3.0, 0.0, 7.0])), [3, 0, 7])
    np.testing.assert_array_equal(to_labels(np.array([0.2, 0.7])), [0, 1])
    np.testing.assert_array_equal(to_labels(np.array([[0.1, 0.3, 0.6]])), [2])


def test_metrics_reject_mismatched_inputs():
    """Are different sample counts, negative labels and too small n_classes rejected?"""
    with pytest.raises(ValueError, match="3 samples"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match=">= 0"):
        confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="does not fit n_classes=2"):
        confusion_matrix([0, 2], [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="average must be"):
        precision_recall_f1([0, 1], [0, 1], average="micro")


# The chapter's worked example (SYLLABUS 08): ten digits of three classes.
CH08_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
CH08_PRED = np.array([0, 0, 1, 0, 1, 1, 2, 2, 2, 0])


def test_chapter_08_worked_example():
    """Confusion matrix [[3,1,0],[0,2,1],[1,0,2]], accuracy 0.7, P = R = (0.75, 2/3, 2/3), macro-F1 0.694?"""
    M = confusion_matrix(CH08_TRUE, CH08_PRED)
    np.testing.assert_array_equal(M, [[3, 1, 0], [0, 2, 1], [1, 0, 2]])
    assert accuracy(CH08_PRED, CH08_TRUE) == pytest.approx(0.7, rel=1e-15)
    r = precision_recall_f1(CH08_TRUE, CH08_PRED)
    np.testing.assert_allclose(r["precision"], [0.75, 2 / 3, 2 / 3], rtol=1e-15)
    np.testing.assert_allclose(r["recall"], [0.75, 2 / 3, 2 / 3], rtol=1e-15)
    # P = R per class, so F1 = P; macro-F1 = (0.75 + 2/3 + 2/3) / 3 = 25/36
    assert r["macro_f1"] == pytest.approx(25 / 36, rel=1e-15)
    assert round(r["macro_f1"], 3) == 0.694


sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is only a test-time reference")


@pytest.mark.parametrize("seed, n, C", [(0, 10, 3), (1, 200, 10), (2, 57, 4), (3, 5, 6)])
def test_confusion_matrix_and_prf_agree_with_scikit_learn(seed, n, C):
    """Do the confusion matrix, per-class P/R/F1, support and macro averages equal scikit-learn's?

    (3, 5, 6): with 5 samples of 6 classes some classes are absent from both,
    and both libraries leave them out of the macro average.
    """
    rng = np.random.default_rng(seed)
    t = rng.integers(0, C, size=n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, C, size=n))  # mostly right, like a classifier
    M = confusion_matrix(t, p, n_classes=C)
    np.testing.assert_array_equal(M, sklearn_metrics.confusion_matrix(t, p, labels=np.arange(C)))
    ours = precision_recall_f1(t, p, n_classes=C)
    P, R, F, S = sklearn_metrics.precision_recall_fscore_support(t, p, labels=np.arange(C), average=None,
                                                                zero_division=0)
    np.testing.assert_allclose(ours["precision"], P, rtol=1e-14)
    np.testing.assert_allclose(ours["recall"], R, rtol=1e-14)
    np.testing.assert_allclose(ours["f1"], F, rtol=1e-14)
    np.testing.assert_array_equal(ours["support"], S)
    mP, mR, mF, _ = sklearn_metrics.precision_recall_fscore_support(t, p, average="macro", zero_division=0)
    assert ours["macro_precision"] == pytest.approx(mP, rel=1e-14)
    assert ours["macro_recall"] == pytest.approx(mR, rel=1e-14)
    assert ours["macro_f1"] == pytest.approx(mF, rel=1e-14)
    assert accuracy(p, t) == pytest.approx(sklearn_metrics.accuracy_score(t, p), rel=1e-15)
