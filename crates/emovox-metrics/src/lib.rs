//! Classification metrics for emovox: accuracy, UAR, F1, confusion matrix, reports, plots.
