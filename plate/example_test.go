package plate_test

import (
	"errors"
	"fmt"

	"github.com/gatepay/gatepay/plate"
)

func ExampleParse() {
	for _, read := range []string{"粤b·12345", "京A12345D", "粤Ｂ Ｄ１２３４５", "粤BO1234", "WJ粤12345"} {
		p, err := plate.Parse(read)
		fmt.Printf("%q → %s %s %q %v\n", read, p.Number, p.Kind, p.Color, err)
	}
	// Output:
	// "粤b·12345" → 粤B12345 ordinary "" <nil>
	// "京A12345D" → 京A12345D new_energy_large "LIMEGREEN" <nil>
	// "粤Ｂ Ｄ１２３４５" → 粤BD12345 new_energy_small "GREEN" <nil>
	// "粤BO1234" → 粤B01234 ordinary "" <nil>
	// "WJ粤12345" → WJ粤12345 armed_police "WHITE" <nil>
}

// Every error says what is wrong and where, and matches a reason.
func ExampleParse_errors() {
	for _, read := range []string{"粤B888888", "粤I54321", "黔C66666", "临京A12345", "粤C1234"} {
		_, err := plate.Parse(read)
		var pe *plate.ParseError
		errors.As(err, &pe)
		fmt.Printf("position %d: %v\n", pe.Pos, err)
	}
	// Output:
	// position 8: plate "粤B888888": character not allowed here at position 8 ('8'): a large new-energy plate wants a new-energy letter (A–H, J, K) at position 8
	// position 2: plate "粤I54321": letter I or O not allowed here at position 2 ('I'): I is never used on plates next to the province
	// position 1: plate "黔C66666": unknown or missing province at position 1 ('黔'): 黔 is an alias that plates never print; use 贵
	// position 1: plate "临京A12345": temporary plate (临) not accepted at position 1 ('临'): temporary plates have no WeChat colour; take payment another way
	// position 0: plate "粤C1234": wrong length for its kind: 6 characters; a plate has 7 (ordinary) or 8 (new-energy) characters
}

// An ordinary plate's colour comes from the camera.
func ExamplePlate_WithColor() {
	p, _ := plate.Parse("粤B12345")
	truck, err := p.WithColor(plate.ColorYellow)
	fmt.Println(truck.Color, err)

	_, err = p.WithColor(plate.ColorGreen)
	fmt.Println(errors.Is(err, plate.ErrColorConflict))
	// Output:
	// YELLOW <nil>
	// true
}

// At the exit, match a camera read against the plates inside.
func ExampleMatch() {
	inside := []string{"粤B8D345", "京A12345", "沪AD12345"}

	m := plate.Match("粤BBD345", inside) // 8 read as B
	best, ok := m.Best()
	fmt.Println(best.Number, best.Confusions, ok)

	m = plate.Match("A12345", inside) // province dropped
	best, ok = m.Best()
	fmt.Println(best.Number, best.DroppedProvince, ok)

	m = plate.Match("粤B02345", []string{"粤BD2345", "粤BQ2345"}) // 0 could be D or Q
	_, ok = m.Best()
	fmt.Println(len(m.Candidates), m.Ambiguous, ok)
	// Output:
	// 粤B8D345 1 true
	// 京A12345 true true
	// 2 true false
}

func ExamplePlate_Province() {
	p, _ := plate.Parse("粵ZA688澳")
	pr, _ := p.Province()
	fmt.Println(p.Number, pr.Name, pr.English)
	// Output:
	// 粤ZA688澳 广东省 Guangdong
}
