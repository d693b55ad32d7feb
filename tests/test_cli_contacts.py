"""``switchctl contacts import|export`` (the command's main, in this process: a subprocess
per command cost a second each) through the service the portal's pages use: the same rule
(shared by default, an extension's own with --extension) and the same all-or-nothing
import."""


def test_import_then_export_shared_and_private_contacts(command, tmp_path):
    shared = tmp_path / "shared.csv"
    shared.write_bytes("\ufeffphone,name,company\n13911112222,王经理,华为\n".encode())
    assert command("contacts", "import", str(shared)) == (0, "imported 1 contacts\n", "")
    own = tmp_path / "own.csv"
    own.write_text("name,phone\nDentist,13900001111\n")
    assert command("contacts", "import", str(own), "--extension", "102")[0] == 0

    code, everything, _ = command("contacts", "export")
    assert everything.splitlines() == [
        "\ufeffphone,name,email,company", "13900001111,Dentist,,", "13911112222,王经理,,华为"]
    code, seen_by_101, _ = command("contacts", "export", "--vcard", "--extension", "101")
    assert "FN:王经理" in seen_by_101 and "Dentist" not in seen_by_101


def test_a_bad_file_lists_its_bad_rows_and_imports_nothing(command, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,name\n12345,Good\nabc,Bad\n")
    code, _, err = command("contacts", "import", str(bad))
    assert code == 1 and err.splitlines() == [
        f"{bad}:3: the phone number must hold at least two digits (at most 32 characters)",
        "switchctl: error: 1 bad rows: nothing was imported"]
    assert command("contacts", "export")[1].splitlines() == ["\ufeffphone,name,email,company"]
    assert command("contacts", "import", str(bad), "--extension", "999") == (
        1, "", "switchctl: error: extension 999 does not exist\n")
    assert command("contacts", "import", str(tmp_path / "none.csv"))[2].startswith(
        "switchctl: error: No such file or directory")
