package sfn

const crashChildEnv = "NUBO_SFN_CRASH_CHILD"

func crashChild() int { return 0 }
