Task("ServeCheck")
    .Description("The serving check before the test pin: serves each packaged image over the Open Inference Protocol on a loopback port, sends the test vectors, compares within the gate's tolerance.")
    .IsDependentOn("PackageModelCar")
    .Does(() => Modelpipe("serve-check"));

Task("PushMirrors")
    .Description("Publishes each validated, packaged model as models/<name>/vN in the zoo repo; pushes the primary (must succeed), then the mirrors (may warn).")
    .IsDependentOn("ServeCheck")
    .Does(() => Modelpipe("push"));
