Task("Publish")
    .Description("Runs the whole flow for the selected models (all by default).")
    .IsDependentOn("OpenPr")
    .IsDependentOn("Report");
