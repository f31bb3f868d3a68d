package attr

// AppendKey appends an encoding of a key value (S, N or B) whose byte
// order is the value's DynamoDB order and which delimits itself, so that a
// sort key may follow a partition key: strings and binaries escape 0x00 as
// 0x00 0xFF and end with 0x00 0x01; numbers are a sign byte, an exponent
// byte and a byte per digit, negatives inverted so that they sort in
// reverse.
func AppendKey(dst []byte, v Value) []byte {
	if v.T == N {
		return appendNumberKey(dst, v.Number())
	}
	dst = AppendKeyPrefix(dst, v)
	return append(dst, 0x00, 0x01)
}

// AppendKeyPrefix appends the encoding of a string or binary without its
// end, so that every value beginning with v encodes to bytes beginning
// with it (begins_with in key conditions).
func AppendKeyPrefix(dst []byte, v Value) []byte {
	for i := 0; i < len(v.S); i++ {
		c := v.S[i]
		dst = append(dst, c)
		if c == 0 {
			dst = append(dst, 0xFF)
		}
	}
	return dst
}

// Number signs, chosen so that negative < zero < positive.
const (
	keyNegative = 0x01
	keyZero     = 0x02
	keyPositive = 0x03
)

func appendNumberKey(dst []byte, n Number) []byte {
	switch {
	case n.IsZero():
		return append(dst, keyZero)
	case !n.neg:
		dst = append(dst, keyPositive, byte(n.exp-minExp))
		for i := 0; i < len(n.digits); i++ {
			dst = append(dst, n.digits[i]-'0'+1)
		}
		return append(dst, 0x00)
	}
	dst = append(dst, keyNegative, ^byte(n.exp-minExp))
	for i := 0; i < len(n.digits); i++ {
		dst = append(dst, ^(n.digits[i] - '0' + 1))
	}
	return append(dst, 0xFF)
}
