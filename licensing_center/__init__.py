"""A stand-in for the separate licensing service center partners use (relationship summary →
license → "Visual Studio subscriptions: click here"). It has its own sign-in by emailed link,
unrelated to portal accounts, and reads agreements through the agreements app's selectors;
the agreements app never imports it."""
