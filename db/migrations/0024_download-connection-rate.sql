-- PhysioNet's rate per connection, measured while the worker fetched SHA256SUMS.txt (bytes per second; null when the file was too small to measure): the download page's time estimate before a start is this × lanes.
ALTER TABLE "download_jobs" ADD COLUMN "connection_rate" bigint;
