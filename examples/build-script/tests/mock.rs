//! The client `build.rs` generated, against a mock of its own spec
//! (`dialtone_fakes::mock`, which holds every request to the spec).

use dialtone_example_build_script::petstore::{self, Client, NewPet, Species};
use dialtone_fakes::mock::{self, MockOptions};

#[tokio::test]
async fn the_included_client_speaks_its_spec() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/petstore.yaml");
    let doc = dialtone_codegen::Generator::new(spec)
        .strict(true)
        .bundle()
        .unwrap_or_else(|e| panic!("{e}"));
    let server = mock::serve(
        doc,
        0,
        MockOptions::default().credential("bearerAuth", "t0ken"),
    )
    .await
    .unwrap();
    let client = Client::builder(server.base_url())
        .bearer_auth("t0ken")
        .build()
        .unwrap();

    let pets = client
        .list_pets()
        .limit(10)
        .species(Species::Dog)
        .send()
        .await
        .unwrap();
    assert_eq!(pets, vec![petstore::Pet::new("rex1", "Rex", Species::Dog)]);
    let created = client
        .create_pet(NewPet::new("Rex", Species::Dog).with_tag("good"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "rex1");
    let pet = client.get_pet("rex1").send().await.unwrap();
    assert_eq!(pet.species, Species::Dog);

    // A binary answer, streamed: chunks as they arrive, with the status
    // and headers.
    let photo = client.get_pet_photo("rex1").send_stream().await.unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/png");
    let mut stream = photo.into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next_chunk().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(bytes, b"not-really-a-png");

    // What the spec forbids is refused before anything is sent.
    let err = client.get_pet("../elsewhere").send().await.unwrap_err();
    assert!(matches!(err, petstore::Error::InvalidRequest(_)), "{err:?}");
    let err = client.list_pets().limit(0).send().await.unwrap_err();
    assert!(matches!(err, petstore::Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(server.requests("getPet"), 1);
    assert!(server.violations().is_empty(), "{:#?}", server.violations());
}
