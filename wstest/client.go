package wstest

// clientRun is what a client case does on its stage.
type clientRun func(s *stage) (Verdict, string)

// stage is the suite's side of one client case.
type stage struct{}
