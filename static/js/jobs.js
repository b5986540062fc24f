// The job page (templates/records/job.html): follow the job's progress without reloading.
// Without this file the page refreshes itself every few seconds (<noscript> meta refresh).
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section) { return; }
  var state = section.getAttribute("data-state");
  if (state === "done" || state === "failed") { return; }
  var bar = document.getElementById("job-progress");
  var status = document.getElementById("job-status");
  var url = section.getAttribute("data-job-api");
  var lastShown = -1;

  function look() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var job = data.job;
        if (!job) { status.textContent = "The job could not be found."; return; }
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();  // the page as the server renders a finished job
          return;
        }
        // Announce every 25% only: a screen reader is not flooded with numbers.
        var step = Math.floor(job.progress / 25);
        if (step !== lastShown) { status.textContent = job.progress + "% done."; lastShown = step; }
        window.setTimeout(look, 1000);
      })
      .catch(function () { window.setTimeout(look, 3000); });
  }
  window.setTimeout(look, 500);
})();
