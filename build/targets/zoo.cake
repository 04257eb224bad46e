Task("PushMirrors")
    .Description("Publishes each validated, packaged model as models/<name>/vN in the zoo repo; pushes the primary (must succeed), then the mirrors (may warn).")
    .IsDependentOn("PackageModelCar")
    .Does(() => Modelpipe("push"));
