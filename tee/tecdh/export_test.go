package tecdh

// IDScalar and PrimeOrder give the external tests the id's scalar and the
// subgroup check.
var (
	IDScalar   = NodeID.scalar
	PrimeOrder = primeOrder
)
