// Command plate normalises Chinese licence plates, one result a line: the
// canonical number, WeChat colour and kind — or why it is not a plate.
//
//	go run ./examples/plate 粤b·12345 京A12345D 粤B888888
//	printf '粤Ｂ１２３４５\n临京A12345\n' | go run ./examples/plate
//	go run ./examples/plate -color YELLOW 粤B12345
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gatepay/gatepay/plate"
)

func main() {
	color := flag.String("color", "", "the camera's colour for ordinary plates (BLUE, YELLOW, 蓝, 黄 …)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "plate: normalise plates from the arguments, or from stdin one a line (with no arguments).")
		fmt.Fprintln(flag.CommandLine.Output(), "Each line: input → number colour kind, or input → invalid: reason (position).")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(flag.Args(), os.Stdin, os.Stdout, *color); err != nil {
		fmt.Fprintln(os.Stderr, "plate:", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out io.Writer, camera string) error {
	cam, err := plate.ParseColor(camera)
	if err != nil {
		return err
	}
	show := func(s string) {
		p, err := plate.Parse(s)
		if err != nil {
			fmt.Fprintf(out, "%q → invalid: %v\n", s, err)
			return
		}
		color, note := string(p.Color), ""
		if cam != "" {
			withColor, cerr := p.WithColor(cam)
			color = string(withColor.Color)
			if cerr != nil {
				note = " (" + cerr.Error() + ")"
			}
		}
		if color == "" {
			color = "-"
			if cam == "" {
				note = " (BLUE or YELLOW: the camera decides, see -color)"
			}
		}
		fmt.Fprintf(out, "%q → %s %s %s%s\n", s, p.Number, color, p.Kind, note)
	}
	if len(args) > 0 {
		for _, a := range args {
			show(a)
		}
		return nil
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		show(sc.Text())
	}
	return sc.Err()
}
