// Package plate turns a Chinese licence plate, as an ANPR camera read it or
// a cashier typed it, into the plate_number and plate_color WeChat Pay
// expects — or a precise reason why it is not a plate. It depends on
// nothing but the standard library and uses no regular expressions.
//
// Parse cleans its input (full-width folding; spaces, dots, hyphens and
// invisible characters removed; ASCII upper-cased; traditional characters
// such as 粵 and 學 mapped to simplified), then matches it against the GA 36
// layouts and the special series: ordinary, small and large new-energy,
// trailer (挂), coach (学), police (警), Hong Kong/Macau (粤Z…港/澳), embassy
// (使), consulate (领), armed police (WJ), military, emergency (应急) and
// civil aviation (民航). Temporary plates (临) are recognised and refused.
//
// Repairs are limited to what cannot pick the wrong car: O→0 and I→1 where
// the position admits a digit. Other look-alikes (B/8, D/0/Q, Z/2, S/5,
// G/6) are never guessed by Parse; Match offers them at the exit lane,
// against the plates actually inside, and says when it cannot decide.
//
// Colour: the text fixes the colour of every kind except ordinary plates,
// whose blue (small vehicle) and yellow (large vehicle) forms read the same.
// For those Parse leaves Color empty and Plate.WithColor takes the camera's
// colour, refusing a contradiction such as a GREEN 7-character plate.
//
// Choices the written rules leave open, made here:
//   - The issuing-office letter is not checked against a per-province table
//     (the tables are incomplete and change); only its form is (a letter,
//     never I; O only on police plates).
//   - The length guard counts raw code points, separators included:
//     anything over 32 is refused before it is cleaned.
//   - ParseError.Pos counts characters of the cleaned string (as shown in
//     ParseError.Input), which is what a person correcting a plate sees.
//   - When a string fits no layout, the error describes the layout it comes
//     closest to among those whose marker characters it carries, so
//     "浙A1234港" is told that a Hong Kong plate starts with 粤Z.
//   - WithColor keeps the text's colour when a fixed-colour kind meets a
//     disagreeing camera colour, and reports ErrColorConflict so the caller
//     can log it or refuse; layout rules are more reliable than camera
//     colour classifiers.
//   - Match counts a dropped province as one confusion, allows at most
//     MaxConfusions, lets an exact read win over any misread, and calls a
//     tie Ambiguous.
//   - The province aliases 黔 滇 蜀 秦 陇 are refused with ErrUnknownProvince
//     and a hint, never mapped.
//
// Everything here is safe for concurrent use; there is no mutable state.
// Parse of an already-clean plate does not allocate; a messy one allocates
// once, for the cleaned Number.
package plate
