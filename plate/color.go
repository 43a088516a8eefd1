package plate

import (
	"fmt"
	"strings"
)

// ParseColor reads a colour as cameras and people give it: WeChat's enum
// in any case ("BLUE", "limegreen"), or a Chinese colour word with or
// without 色 (蓝, 黄, 绿, 渐变绿, 黄绿, 白, 黑). An empty string gives ("", nil):
// no colour known. Anything else gives ErrColorUnknown.
func ParseColor(s string) (Color, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "色")
	switch strings.ToUpper(t) {
	case "":
		return "", nil
	case "BLUE", "蓝":
		return ColorBlue, nil
	case "YELLOW", "黄":
		return ColorYellow, nil
	case "GREEN", "绿", "渐变绿":
		return ColorGreen, nil
	case "LIMEGREEN", "黄绿":
		return ColorLimeGreen, nil
	case "WHITE", "白":
		return ColorWhite, nil
	case "BLACK", "黑":
		return ColorBlack, nil
	}
	return "", fmt.Errorf("plate: colour %q: %w", s, ErrColorUnknown)
}

// Valid reports whether c is one of WeChat's six colours.
func (c Color) Valid() bool {
	switch c {
	case ColorBlue, ColorYellow, ColorGreen, ColorLimeGreen, ColorWhite, ColorBlack:
		return true
	}
	return false
}

// WithColor combines the plate with the colour the camera (or the user)
// reported, and returns the plate with Color set to what should be sent to
// WeChat.
//
//   - Ordinary plates take the camera's colour, which must be BLUE or YELLOW.
//     No colour gives ErrColorUnknown; any other colour gives
//     ErrColorConflict (a GREEN 7-character read is a new-energy plate that
//     lost a character). Color stays "" in both cases.
//   - Every other kind has its colour fixed by the text. A camera colour
//     that agrees, or none, is fine. One that disagrees gives
//     ErrColorConflict, but the returned plate still carries the colour of
//     the text: layout rules are more reliable than camera colour
//     classifiers, so a caller may log the conflict and go on, or refuse.
func (p Plate) WithColor(camera Color) (Plate, error) {
	if camera != "" && !camera.Valid() {
		return p, fmt.Errorf("plate %s: camera colour %q: %w", p.Number, camera, ErrColorUnknown)
	}
	if p.Kind == KindOrdinary || p.Color == "" {
		switch camera {
		case ColorBlue, ColorYellow:
			p.Color = camera
			return p, nil
		case "":
			return p, fmt.Errorf("plate %s: %w: an ordinary plate is BLUE or YELLOW; give the camera's colour", p.Number, ErrColorUnknown)
		}
		return p, fmt.Errorf("plate %s: %w: an ordinary (7-character) plate cannot be %s", p.Number, ErrColorConflict, camera)
	}
	if camera != "" && camera != p.Color {
		return p, fmt.Errorf("plate %s: %w: a %s plate is %s, the camera says %s", p.Number, ErrColorConflict, p.Kind, p.Color, camera)
	}
	return p, nil
}
