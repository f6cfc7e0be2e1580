# Runs the browser tests with node's built-in test runner (called by CTest,
# see CMakeLists.txt). Fails with a clear message when a prerequisite is missing.
if(NOT NODE OR NODE MATCHES "NOTFOUND$")
  message(FATAL_ERROR "browser tests: node was not found (install Node.js 18 or newer)")
endif()
if(NOT EXISTS "${TEST_DIR}/node_modules/playwright-core/package.json")
  message(FATAL_ERROR "browser tests: ${TEST_DIR}/node_modules is missing; "
                      "run `npm ci --prefix tests/browser` first")
endif()
if(NOT EXISTS "/usr/bin/chromium" AND NOT DEFINED ENV{CHROMIUM_BIN})
  message(FATAL_ERROR "browser tests: /usr/bin/chromium is missing (apt-get install chromium, "
                      "or set CHROMIUM_BIN)")
endif()

string(REPLACE "|" ";" files "${TEST_FILES}")
if(NOT files)
  message(FATAL_ERROR "browser tests: no *.test.js files in ${TEST_DIR}")
endif()

execute_process(COMMAND "${NODE}" --test ${files}
                WORKING_DIRECTORY "${TEST_DIR}"
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "browser tests failed (node --test exited with ${result})")
endif()
