package tkey

// CombineUnchecked interpolates answers without verifying them or counting
// them against the threshold: the tests show t−1 partials give another key.
var CombineUnchecked = combine
