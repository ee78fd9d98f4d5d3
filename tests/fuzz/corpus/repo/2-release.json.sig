{
	"signatures":	[{
			"keyid":	"f8651ee826f4ef0d",
			"sig":	"ob9OE+l3AtWeCT+8eQqlmkX8kQQAaNDDzd7B90wTvP/Fn4DWd3oGdcXiZ8WWLLlt1myPl5RqPCqipqqgJD/LCA=="
		}]
}
