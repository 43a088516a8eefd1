package plate

// Province is one of the 31 provincial-level units whose abbreviation
// starts a plate.
type Province struct {
	Abbr    string // the character on the plate, e.g. "粤"
	Name    string // full Chinese name, e.g. "广东省"
	English string // e.g. "Guangdong"
}

// provinces in code order (京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新).
var provinces = [...]Province{
	{"京", "北京市", "Beijing"},
	{"津", "天津市", "Tianjin"},
	{"冀", "河北省", "Hebei"},
	{"晋", "山西省", "Shanxi"},
	{"蒙", "内蒙古自治区", "Inner Mongolia"},
	{"辽", "辽宁省", "Liaoning"},
	{"吉", "吉林省", "Jilin"},
	{"黑", "黑龙江省", "Heilongjiang"},
	{"沪", "上海市", "Shanghai"},
	{"苏", "江苏省", "Jiangsu"},
	{"浙", "浙江省", "Zhejiang"},
	{"皖", "安徽省", "Anhui"},
	{"闽", "福建省", "Fujian"},
	{"赣", "江西省", "Jiangxi"},
	{"鲁", "山东省", "Shandong"},
	{"豫", "河南省", "Henan"},
	{"鄂", "湖北省", "Hubei"},
	{"湘", "湖南省", "Hunan"},
	{"粤", "广东省", "Guangdong"},
	{"桂", "广西壮族自治区", "Guangxi"},
	{"琼", "海南省", "Hainan"},
	{"渝", "重庆市", "Chongqing"},
	{"川", "四川省", "Sichuan"},
	{"贵", "贵州省", "Guizhou"},
	{"云", "云南省", "Yunnan"},
	{"藏", "西藏自治区", "Tibet"},
	{"陕", "陕西省", "Shaanxi"},
	{"甘", "甘肃省", "Gansu"},
	{"青", "青海省", "Qinghai"},
	{"宁", "宁夏回族自治区", "Ningxia"},
	{"新", "新疆维吾尔自治区", "Xinjiang"},
}

// provinceIndex returns the index of r in provinces, or -1.
func provinceIndex(r rune) int {
	switch r {
	case '京':
		return 0
	case '津':
		return 1
	case '冀':
		return 2
	case '晋':
		return 3
	case '蒙':
		return 4
	case '辽':
		return 5
	case '吉':
		return 6
	case '黑':
		return 7
	case '沪':
		return 8
	case '苏':
		return 9
	case '浙':
		return 10
	case '皖':
		return 11
	case '闽':
		return 12
	case '赣':
		return 13
	case '鲁':
		return 14
	case '豫':
		return 15
	case '鄂':
		return 16
	case '湘':
		return 17
	case '粤':
		return 18
	case '桂':
		return 19
	case '琼':
		return 20
	case '渝':
		return 21
	case '川':
		return 22
	case '贵':
		return 23
	case '云':
		return 24
	case '藏':
		return 25
	case '陕':
		return 26
	case '甘':
		return 27
	case '青':
		return 28
	case '宁':
		return 29
	case '新':
		return 30
	}
	return -1
}

func isProvince(r rune) bool { return provinceIndex(r) >= 0 }

// Provinces returns the 31 plate provinces in their conventional order.
func Provinces() []Province {
	out := make([]Province, len(provinces))
	copy(out[:], provinces[:])
	return out
}

// LookupProvince returns the province whose plate abbreviation is abbr
// (one character, simplified or traditional, e.g. "粤" or "粵").
func LookupProvince(abbr string) (Province, bool) {
	rs := []rune(abbr)
	if len(rs) != 1 {
		return Province{}, false
	}
	i := provinceIndex(foldRune(rs[0]))
	if i < 0 {
		return Province{}, false
	}
	return provinces[i], true
}

// Province returns the province that issued p: its first character, or
// the one after WJ or 应急. Embassy, military and civil-aviation plates, and
// the zero Plate, have none.
func (p Plate) Province() (Province, bool) {
	for _, r := range p.Number {
		if i := provinceIndex(r); i >= 0 {
			return provinces[i], true
		}
		if r >= '0' && r <= '9' {
			break // the province, when there is one, precedes every digit
		}
	}
	return Province{}, false
}
