Task("ModelCarBase")
    .Description("Installs Debian's busybox-static when /bin/busybox is missing (the embedded ModelCar base; build/scripts/modelcar-base.sh).")
    .Does(() => StartProcess("bash", new ProcessSettings { Arguments = $"{repoRoot}/build/scripts/modelcar-base.sh", WorkingDirectory = repoRoot }));

Task("PackageModelCar")
    .Description("Packages each validated model as a KServe ModelCar OCI image (OCI layout by default, or a registry / docker-load tarball) and records its digest. --load also loads it into the Docker engine and smoke-tests it.")
    .IsDependentOn("Validate")
    .IsDependentOn("ModelCarBase")
    .Does(() => Modelpipe("package", HasArgument("load") ? new[] { "--load" } : new string[0]));

Task("Benchmark")
    .Description("Benchmarks ModelCar build+push of a 1 GiB model against curl, skopeo and docker (build/scripts/benchmark-modelcar.sh).")
    .IsDependentOn("Compile")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = $"{repoRoot}/build/scripts/benchmark-modelcar.sh", WorkingDirectory = repoRoot });
    if (exit != 0) throw new CakeException(exit, $"benchmark failed with exit code {exit}");
});
