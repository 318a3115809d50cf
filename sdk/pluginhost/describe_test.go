package pluginhost

import (
	"strings"
	"testing"
)

func TestParseDescription(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"sdk.Serve's", `{"name":"pgm","version":"v1.0.0","schemes":["pgm","epgm"],"protocol_version":1,"go_version":"go1.26.8"}` + "\n", true},
		{"a later sdk's field", `{"name":"x","schemes":["x"],"protocol_version":1,"licence":"MIT"}`, true},
		{"empty", ``, false},
		{"not JSON", `pgm epgm`, false},
		{"no scheme", `{"name":"x","schemes":[],"protocol_version":1}`, false},
		{"upper case", `{"name":"x","schemes":["PGM"],"protocol_version":1}`, false},
		{"with ://", `{"name":"x","schemes":["pgm://"],"protocol_version":1}`, false},
		{"too long", `{"name":"x","schemes":["` + strings.Repeat("a", 33) + `"],"protocol_version":1}`, false},
		{"other protocol", `{"name":"x","schemes":["x"],"protocol_version":2}`, false},
		{"no protocol", `{"name":"x","schemes":["x"]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parseDescription([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("parseDescription = %+v, %v; want ok %v", d, err, tc.ok)
			}
		})
	}
}

func FuzzParseDescription(f *testing.F) {
	f.Add([]byte(`{"name":"pgm","version":"v1.0.0","schemes":["pgm","epgm"],"protocol_version":1}`))
	f.Add([]byte(`{"schemes":[""]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDescription(b)
		if err == nil && checkDescription(d) != nil {
			t.Fatalf("accepted %+v", d)
		}
	})
}
