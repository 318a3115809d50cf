package z85_test

import (
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/z85"
)

// RFC 32's test case.
func ExampleEncode() {
	s, err := z85.Encode([]byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B})
	fmt.Println(s, err)
	// Output: HelloWorld <nil>
}

func ExampleDecode() {
	b, err := z85.Decode("HelloWorld")
	fmt.Printf("% X %v\n", b, err)
	// Output: 86 4F D2 6F B5 59 F7 5B <nil>
}
