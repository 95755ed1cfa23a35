// Package threshold is the threshold mode of the KMS: its root secrets
// exist only as Shamir shares among the n nodes of a committee, t of which
// must cooperate to use them, so that no node, and no t-1 nodes together,
// ever hold a root secret.
//
// Four roots, each from its own distributed key generation (tss-lib v2's
// ECDSA keygen, and its EdDSA keygen for the env root; Feldman VSS), so
// that no secret serves two protocols:
//
//   - RootDerivation (P-256): threshold key derivation. A node's share of
//     it is a DerivationShare (x_i, the party IDs, every public share
//     X_j = x_j·G); the derivation protocol itself (2HashDH answers with
//     DLEQ proofs, and the client's combination) is package tkey's, which
//     takes it as DerivationShare.TKeyShare and Shares.KeySet.
//   - RootCA (P-256): the root CA key. Threshold ECDSA signs the root CA
//     certificate once after the DKG (Node.IssueRootCert) and app CA
//     certificates (Node.SignAppCACert), which verify with crypto/x509 to
//     that root.
//   - RootK256 (secp256k1): the recoverable dstack-kms-issued and
//     dstack-env-encrypt-pubkey signatures (Node.SignKmsIssued,
//     Node.SignEnvPubKey), in the replicated KMS's message formats, which
//     go-ethereum's Ecrecover checks.
//   - RootEnv (edwards25519): threshold X25519 of app env encryption
//     (tee/tecdh). An app's env public key is u(H(app_id)·K_env), which
//     anyone computes from the public K_env (Shares.KeySet carries the env
//     key set); a node answers an envelope's ephemeral key E with
//     H(app_id)·k_i·E and a proof (tecdh.Share.Partial, the share from
//     Shares.EnvShare) for the app its caller's attestation proves, and
//     the CVM combines t answers into the envelope's X25519 secret. Its
//     save data is tss-lib's EdDSA one (Shares.Env), apart from the ECDSA
//     roots' (Shares.Keys); EdDSA key generation needs no pre-parameters.
//
// Resharing (Node.Reshare, tss-lib's ecdsa/resharing and eddsa/resharing)
// moves the roots to a new committee (other nodes, other t) with the same
// public keys: every app key, and every app's env public key, stays as it
// was, and old shares do not combine with new ones.
//
// # Two epochs
//
// Committee.Epoch numbers committees: every resharing moves to a higher
// one, and members' IDs are made from it, so that shares of two
// committees never combine. Committee.RootEpoch numbers the roots: it is
// the epoch of the committee whose DKG made them (NewCommittee), resharing
// keeps it (Committee.Reshared), and only a new DKG, a root rotation,
// starts another. Threshold key derivation's epoch (tkey.KeySet.Epoch, in
// every derived key's context) is the root epoch, never the committee's:
// resharing must not change app keys.
//
// # What is signed per request
//
// A threshold signature costs a protocol run among t nodes (about a third
// of a second of CPU on an idle 2-core machine), so statements are signed
// once and cached, per node, by what they say (the initiator and each
// co-signer keep the result):
//
//   - the root CA certificate: once per DKG;
//   - an app CA certificate: once per app and app CA key;
//   - dstack-kms-issued: once per app and app key;
//   - dstack-env-encrypt-pubkey without timestamp: once per app and key;
//     with a timestamp (signature_v1): at most once per EnvSignatureReuse
//     (a minute by default), the cached one carrying its own timestamp.
//
// Nothing is signed per request in the steady state. Leaf certificates
// (the KMS's SignCert) are not threshold-signed: in threshold mode the app
// CA key is the app's own, derived by the CVM, which signs its leaves.
//
// # How a KMS node uses it
//
//  1. Once: GeneratePreParams, SealPreParams; at each start
//     UnsealPreParams into Node.PreParams.
//  2. Serve PeerTransport.Handler with PeerTransport.ServerTLS, and set
//     Node.Transport to the PeerTransport: mutual RA-TLS, each side
//     checking the other's attestation, its PeerPolicy (the KMS's own
//     check of a KMS peer: bound OS image, AuthorizeKMS) and that its
//     certificate key is the identity key of the member it claims to be.
//  3. All members call Node.Keygen with the same Committee; one calls
//     IssueRootCert, the others AdoptRootCert; each seals its Shares
//     (Shares.Seal) beside its other state and publishes the public keys
//     (Shares.CAPublicKeyDER, Shares.K256PublicKey, the derivation and env
//     PublicShares). Shares.KeySet is the key set clients trust
//     (GetAppKeyShares); DerivationShare.TKeyShare answers their partial
//     key requests (tkey.Share.Partials at the key set's epoch).
//  4. At each start: UnsealShares, Node.SetShares. Another sealing key
//     cannot open them (ErrUnseal); shares sealed before the env root
//     existed are ErrSharesV1.
//  5. Node.Approve decides, on each node independently, whether it
//     co-signs a statement another node asks for: it must check the
//     requester's evidence and the chain itself, as for a key release.
//  6. A committee change: every node of the old committee (holding its
//     shares) and of the new one calls Node.Reshare; the old members then
//     hand the root CA certificate over to the joining ones
//     (HandOverRootCert), a retired member removes its sealed shares, and
//     the new committee's key set and public shares (Shares.KeySet,
//     Shares.PublicShares) are published in place of the old.
//  7. A root rotation: the new committee runs Node.Keygen at a new epoch
//     (a new root epoch) while each node keeps its sealed shares of the
//     old roots apart; both answer key derivation requests, each for its
//     root epoch, until the handover the chain records ends, and the old
//     ones are then destroyed. Signing uses the new roots from the DKG on.
//
// This package must never reconstruct a root secret, log or send a share,
// sign bytes it has not rebuilt itself from a Statement, or take part in a
// session with a peer its transport has not authenticated.
package threshold
