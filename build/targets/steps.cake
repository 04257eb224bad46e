Task("Check")
    .Description("Validates model definitions (model.json) and every pipeline.json rule later steps apply; writes nothing.")
    .IsDependentOn("Compile")
    .Does(() => Modelpipe("check"));

Task("Fetch")
    .Description("Fetches every data source (file, http(s) with sha256, git at a pinned commit) into the cache.")
    .IsDependentOn("Check")
    .Does(() => Modelpipe("fetch"));

Task("Train")
    .Description("Trains each model on its backend; a key the zoo holds is reused, an unchanged key skipped. --retrain checks reproducibility.")
    .IsDependentOn("Fetch")
    .Does(() => Modelpipe("train", HasArgument("retrain") ? new[] { "--retrain" } : new string[0]));

Task("Validate")
    .Description("The gate: expected files, manifest, size limits, ONNX Runtime smoke test, metric thresholds.")
    .IsDependentOn("Train")
    .Does(() => Modelpipe("validate"));
