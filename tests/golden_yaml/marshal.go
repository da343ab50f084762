// Command marshal prints what sigs.k8s.io/yaml.Marshal makes of test inputs.
//
// It reads a JSON array of documents on stdin and writes a JSON array with, for
// each document, the YAML text or {"error": "..."}. JSON numbers with a fraction
// or exponent become float64 and the others int64/uint64, so a Python float stays
// a Go float64 and a Python int a Go integer, as in the Python inputs.
// make_corpus.py drives it; see README.md.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

func conv(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			t[k] = conv(x)
		}
		return t
	case []interface{}:
		for i, x := range t {
			t[i] = conv(x)
		}
		return t
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := t.Int64(); err == nil {
				return i
			}
			var u uint64
			if _, err := fmt.Sscan(s, &u); err == nil {
				return u
			}
		}
		f, err := t.Float64()
		if err != nil {
			panic(err)
		}
		return f
	}
	return v
}

func main() {
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	dec.UseNumber()
	var cases []interface{}
	if err := dec.Decode(&cases); err != nil {
		panic(err)
	}
	out := make([]interface{}, len(cases))
	for i, c := range cases {
		b, err := yaml.Marshal(conv(c))
		if err != nil {
			out[i] = map[string]string{"error": err.Error()}
		} else {
			out[i] = string(b)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(out)
}
