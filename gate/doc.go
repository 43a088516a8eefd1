// Package gate is the lane workflow: camera reads in, barrier decisions
// out. A vendor's lane software feeds each read to Controller.Handle and
// acts on the Decision (Open, Hold, PayOtherWay); gatepay never drives
// hardware.
//
// Entry: the read is cleaned and validated with plate; repeated reads of
// one car at one lane within RepeatWindow are one event; the stay is
// stored, then reported to WeChat (CreateParking, or the APIv2 entry
// notice) within the lane budget — the barrier opens whatever WeChat says.
// A plate that enters while already inside raises OnClonedPlate (套牌, or a
// missed exit); the old stay is kept as superseded, for review.
//
// Exit: the read is matched to a stay inside, tolerating the camera
// confusions plate.Match knows (8/B, 0/D/Q, dropped province …) but never
// choosing between two cars; the stay is priced with billing; when the
// plate can pay contactlessly, an order number is minted once per stay and
// stored with the deduction before the first attempt. The barrier opens on
// acceptance. If WeChat does not answer within the budget (1.5 s by
// default) the TimeoutPolicy decides — OpenAndCollectLater or
// HoldOnTimeout — and the Decision says which happened.
//
// Nothing is lost and nothing is charged twice: every call that must reach
// WeChat is an OutboxItem written to the Store before it is attempted and
// completed only on a final answer. Run (or Drain) works the outbox after
// timeouts, outages and restarts; every attempt but the very first asks
// WeChat whether the order exists before sending it again, and always
// with the original order number. Payment and entrance-state callbacks
// (NotifyHandler, NotifyHandlerV2) move stays forward — paid, arrears for
// 追缴, settled after a repaid advance — and never back. Unpaid lists what
// is still to collect.
//
// Stores: SQLiteStore (one file, WAL, fsync on commit, pure Go — lane
// boxes cross-compile for Windows and ARM without cgo; the Schema is open
// for support staff) and MemoryStore. The Store interface assumes
// nothing about processes: items are claimed with a lease and an owner and
// stay updates are conditional on the version read, so a cloud platform
// can put many controllers on one database. storetest.Run is the
// conformance suite for any implementation.
//
// Scenes: SceneParking (APIv3 支付分停车), and the APIv2 车主平台 scenes —
// SceneParkingV2, SceneRoadside (PARKING SPACE), SceneHighway (entrance
// and exit stations, the toll given as Event.AmountFen), SceneGas and
// SceneBridge (one event each).
package gate
